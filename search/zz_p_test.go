package search

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZParse(t *testing.T) {
	if os.Getenv("ZZP") == "" {
		t.Skip()
	}
	for _, q := range strings.Split(os.Getenv("ZZP"), "|") {
		fmt.Printf("%q: %+v pair=%q units=%d\n", q, Parse(q), Parse(q).pair(), Parse(q).units())
	}
}
