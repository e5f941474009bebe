// Command portal is the drug-prevention portal of Thái Bình province: one
// binary with subcommands.
//
//	portal [serve]            run the web portal (default)
//	portal import FILE...     import administrative documents into the data dir
//	portal queue consume|stats|trim  read the agency queues
//	portal user add|list|disable|passwd  manage staff accounts
//	portal token create|list|revoke      desk API tokens for agencies' systems
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand. It is main without the process: tests call
// it with their own arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stderr)
	case "import":
		return runImport(ctx, args, getenv, stdout, stderr)
	case "queue":
		return runQueue(ctx, args, getenv, stdout, stderr)
	case "user":
		return runUser(ctx, args, getenv, stdin, stdout, stderr)
	case "token":
		return runToken(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown subcommand %q\n%s", cmd, usage)
	}
}

const usage = `usage:
  portal [serve] [flags]                     run the web portal (default)
  portal import [flags] FILE...              import administrative documents (plain text)
  portal queue consume --queue NAME [flags]  hand agency queue messages to a command (--exec) or print them
  portal queue stats [flags]                 queue lengths, pending and dead-letter counts
  portal queue trim [flags]                  remove entries every consumer group acknowledged
  portal user add|list|disable|passwd        manage staff accounts
  portal token create|list|revoke            desk API tokens for agencies' systems
Run "portal SUBCOMMAND -h" for the flags of one subcommand.
`
