// Command portal is the drug-prevention portal of Thái Bình province: one
// binary with subcommands.
//
//	portal [serve]            run the web portal (default)
//	portal import FILE...     import administrative documents into the data dir
//	portal queue consume|stats|trim  read the agency queues
//	portal user add|list|disable|passwd|totp-reset  manage staff accounts
//	portal token create|list|revoke      desk API tokens for agencies' systems
//	portal store migrate-to URL  copy the SQLite system of record into PostgreSQL
//	portal backup FILE | restore FILE  back up and restore a data dir
//	portal version            print the version and build
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		cancel()
		// Every command stops on its own once ctx ends (serve drains its
		// requests for PORTAL_SHUTDOWN_GRACE). A second signal, or a
		// command still running long after the first, ends the process:
		// SIGTERM must always stop the portal, whatever it waits on.
		select {
		case <-sig:
			fmt.Fprintln(os.Stderr, "portal: second signal: stopping now")
		case <-time.After(hardStopAfter(os.Getenv)):
			fmt.Fprintln(os.Stderr, "portal: did not stop in time after the signal: stopping now")
		}
		os.Exit(1)
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	cancel()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

// hardStopAfter is how long a command may take to stop after SIGINT or
// SIGTERM before the process ends anyway: the drain time of serve
// (PORTAL_SHUTDOWN_GRACE) for requests and again for the workers, plus a
// margin.
func hardStopAfter(getenv func(string) string) time.Duration {
	grace, err := time.ParseDuration(strings.TrimSpace(getenv("PORTAL_SHUTDOWN_GRACE")))
	if err != nil || grace < 0 {
		grace = 10 * time.Second
	}
	return 2*grace + 10*time.Second
}

// run dispatches to a subcommand. It is main without the process: tests call
// it with their own arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && isHelp(args[0]) {
		cmd = "help"
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
		return runToken(ctx, args, getenv, stdin, stdout, stderr)
	case "desk":
		return runDesk(ctx, args, getenv, stdin, stdout, stderr)
	case "store":
		return runStore(ctx, args, getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, getenv, stdout, stderr)
	case "restore":
		return runRestore(ctx, args, getenv, stdout, stderr)
	case "version":
		return runVersion(args, stdout, stderr)
	case "help":
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
  portal user add|list|disable|passwd|totp-reset  staff accounts
  portal token create|list|revoke            desk API tokens for agencies' systems
  portal desk init|grant|status              desks' encryption keys (recovery key, grants)
  portal store migrate-to postgres://…       copy the SQLite system of record into PostgreSQL
  portal backup [flags] FILE                 consistent online backup of the data dir
  portal restore [flags] FILE                restore a backup into an empty data dir
  portal version                             print the version and build
  portal help                                this text
Every subcommand answers --help (or -h) with its own usage and flags.
Configuration comes from the environment (PORTAL_DATA_DIR, DATABASE_URL,
REDIS_URL, MEILI_URL, PORTAL_SECRET, PORTAL_METRICS_ADDR …; see README.md);
each variable has a flag of the same name in lower case.
`

// isHelp reports whether arg asks for usage.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}
