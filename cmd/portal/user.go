package main

import (
	"context"
	"errors"
	"io"
)

// runUser implements "portal user". Owned by the press-office work; replaced there.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("portal user: not built yet")
}
