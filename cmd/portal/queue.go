package main

import (
	"context"
	"errors"
	"io"
)

// runQueue implements "portal queue". Owned by the queue work; replaced there.
func runQueue(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("portal queue: not built yet")
}
