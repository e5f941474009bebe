package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/queue"
)

// Defaults of "portal queue consume". The group "desk" is the portal's
// own (desk.Group: it makes the cases); agencies' systems read with groups
// of their own so that both get every entry.
const (
	defaultConsumeGroup  = "agency"
	defaultClaimIdle     = 60 * time.Second
	defaultMaxDeliveries = 5
	defaultExecTimeout   = 5 * time.Minute
	consumeBatch         = 10
)

// runQueue implements "portal queue consume" and "portal queue stats" on the
// engine the configuration selects: Redis Streams when REDIS_URL is set,
// else the embedded queue in PORTAL_DATA_DIR (which a running "portal serve"
// may be writing at the same time).
func runQueue(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, queueUsage)
		return errors.New("queue: give a subcommand: consume, stats or trim")
	}
	if isHelp(args[0]) {
		fmt.Fprint(stdout, queueUsage)
		return nil
	}
	switch args[0] {
	case "consume":
		return runQueueConsume(ctx, args[1:], getenv, stdout, stderr)
	case "stats":
		return runQueueStats(ctx, args[1:], getenv, stdout, stderr)
	case "trim":
		return runQueueTrim(ctx, args[1:], getenv, stdout, stderr)
	default:
		fmt.Fprint(stderr, queueUsage)
		return fmt.Errorf("queue: unknown subcommand %q", args[0])
	}
}

const queueUsage = `usage:
  portal queue consume --queue NAME [--group G] [--consumer C] [--max N] [--wait D]
                       [--claim-idle D] [--max-deliveries N] [--any-stream]
                       [--exec CMD [--exec-timeout D]]
  portal queue stats [--queue NAME[,NAME…]] [--json]
  portal queue trim [--queue NAME[,NAME…]]   remove entries every group has acknowledged
NAME is police, social-affairs, police:dead … or a full stream name (portal:queue:police);
consume reads only these and the queues of routing.yaml unless --any-stream is given.
With --exec, each message goes as one JSON object to CMD's standard input (run by
/bin/sh -c) and is acknowledged only when CMD exits 0; otherwise it stays pending
and is delivered again after --claim-idle. Without --exec each message is printed as
one JSON line and acknowledged once written (see README: what that guarantees).
The group "desk" belongs to the portal itself; use a group of your own (default agency).
With the embedded queue (no REDIS_URL) the data dir must exist.
`

// consumeOptions are the flags of "portal queue consume".
type consumeOptions struct {
	stream        string
	group         string
	consumer      string
	max           int
	wait          time.Duration
	claimIdle     time.Duration
	maxDeliveries int64
	// knownKind reports whether an entry of this kind belongs on the
	// stream (routedKinds); others are moved to the dead-letter stream
	// with queue.ReasonUnknownKind.
	knownKind func(kind string) bool
	// exec, when set, is the command each message is handed to.
	exec        string
	execTimeout time.Duration
}

// deadReasonVN says in Vietnamese why an entry was moved aside.
func deadReasonVN(reason string, deliveries int64) string {
	kind, detail, _ := strings.Cut(reason, ": ")
	switch kind {
	case queue.ReasonMaxDeliveries:
		return fmt.Sprintf("đã giao %d lần mà chưa được xác nhận", deliveries)
	case queue.ReasonUnknownKind:
		return fmt.Sprintf("loại tin %q không được định tuyến đến hàng đợi này (không phải tin của cổng thông tin)", detail)
	default:
		return "không phải tin của cổng thông tin (thiếu hoặc sai trường)"
	}
}

// routedKinds returns knownKind for stream: the kinds routing.yaml sends
// there, or, for a stream no route names (read with --any-stream), every
// kind routing.yaml knows.
func routedKinds(stream string) (func(string) bool, error) {
	cat, err := intake.LoadCatalog()
	if err != nil {
		return nil, err
	}
	here, all := map[string]bool{}, map[string]bool{}
	for kind, r := range cat.Routes {
		all[kind] = true
		if r.Queue == stream {
			here[kind] = true
		}
	}
	if len(here) == 0 {
		here = all
	}
	return func(k string) bool { return here[k] }, nil
}

// runQueueConsume joins the consumer group (creating it from the first entry
// if missing), and hands each message to the --exec command, acknowledging
// it only when the command exits 0, or prints it as one JSON line on
// stdout, acknowledging it once the line is written and flushed. Entries
// pending longer than --claim-idle in any consumer (one that died) are
// claimed first; an entry delivered more than --max-deliveries times, one
// that is not a portal entry, or one whose kind routing.yaml does not send
// to this queue (written by someone else), is moved to the dead-letter
// stream with its reason (queue.FieldDeadReason) instead of printed. It stops after --max messages, or when no message
// arrives within --wait.
func runQueueConsume(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("queue consume", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var (
		name string
		o    consumeOptions
	)
	var anyStream bool
	fset.StringVar(&name, "queue", "", "queue: police, social-affairs, police:dead, social-affairs:dead or a full stream name (required)")
	fset.BoolVar(&anyStream, "any-stream", false, "allow a stream that is not a known agency queue")
	fset.StringVar(&o.group, "group", defaultConsumeGroup, "consumer group")
	fset.StringVar(&o.consumer, "consumer", defaultConsumerName(), "consumer name within the group")
	fset.IntVar(&o.max, "max", 0, "stop after this many messages (0: no limit)")
	fset.DurationVar(&o.wait, "wait", 0, "how long to wait for a new message before exiting (0: do not wait)")
	fset.DurationVar(&o.claimIdle, "claim-idle", defaultClaimIdle, "claim entries pending in other consumers for at least this long")
	fset.Int64Var(&o.maxDeliveries, "max-deliveries", defaultMaxDeliveries, "move an entry to the dead-letter stream after this many failed deliveries")
	fset.StringVar(&o.exec, "exec", "", "run this command (/bin/sh -c) per message, the message as JSON on its stdin; acknowledge only when it exits 0")
	fset.DurationVar(&o.execTimeout, "exec-timeout", defaultExecTimeout, "kill --exec's command after this long (the message is then delivered again)")
	cfg, err := loadConfig(fset, args, getenv)
	if err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("queue consume: unexpected argument %q", fset.Arg(0))
	}
	if name == "" {
		return errors.New("queue consume: --queue is required (police, social-affairs or a stream name)")
	}
	if o.stream, err = queue.StreamName(name); err != nil {
		return fmt.Errorf("queue consume: --queue: %w", err)
	}
	if !anyStream {
		known, err := knownStreams()
		if err != nil {
			return err
		}
		if !known[o.stream] {
			// A typo would otherwise create an empty stream and a group
			// on it, and wait there for ever.
			return fmt.Errorf("queue consume: --queue %q: không phải hàng đợi đã biết (police, social-affairs, police:dead, social-affairs:dead, tên đầy đủ %s… hoặc hàng đợi trong routing.yaml); thêm --any-stream nếu đúng là muốn đọc stream này", name, queue.StreamPrefix)
		}
	}
	switch {
	case o.max < 0:
		return errors.New("queue consume: --max must not be negative")
	case o.wait < 0:
		return errors.New("queue consume: --wait must not be negative")
	case o.claimIdle < 0:
		return errors.New("queue consume: --claim-idle must not be negative")
	case o.maxDeliveries < 1:
		return errors.New("queue consume: --max-deliveries must be at least 1")
	case o.group == "" || o.consumer == "":
		return errors.New("queue consume: --group and --consumer must not be empty")
	case o.group == desk.Group && !strings.HasSuffix(o.stream, queue.DeadSuffix):
		return fmt.Errorf("queue consume: nhóm %q là nhóm của chính cổng thông tin (tạo hồ sơ cho hộp thư); đọc bằng nhóm của riêng hệ thống bạn, ví dụ --group %s", desk.Group, defaultConsumeGroup)
	case o.exec != "" && o.execTimeout <= 0:
		return errors.New("queue consume: --exec-timeout must be positive")
	}
	if o.knownKind, err = routedKinds(o.stream); err != nil {
		return err
	}
	q, closeQueue, err := openQueue(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeQueue()
	err = consume(ctx, q, o, stdout, stderr)
	// Leave the group tidy: drop this consumer unless it still holds
	// pending entries (those stay, for the next consumer to claim).
	rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, rerr := q.RemoveConsumer(rctx, o.stream, o.group, o.consumer); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// consume is the consumer loop of "portal queue consume".
func consume(ctx context.Context, q queue.Queue, o consumeOptions, stdout, stderr io.Writer) error {
	if err := q.CreateGroup(ctx, o.stream, o.group); err != nil {
		return err
	}
	out := bufio.NewWriter(stdout)
	printed, failed := 0, 0
	unhandled := func() error {
		if failed > 0 {
			return fmt.Errorf("queue consume: %d lần lệnh --exec thất bại; các tin đó chưa được xác nhận và sẽ được giao lại", failed)
		}
		return nil
	}
	for o.max == 0 || printed < o.max {
		if ctx.Err() != nil {
			return nil // interrupted (SIGINT/SIGTERM): unprinted entries stay pending
		}
		limit := consumeBatch
		if o.max > 0 {
			limit = min(limit, o.max-printed)
		}
		msgs, err := q.Claim(ctx, o.stream, o.group, o.consumer, o.claimIdle, limit)
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			if msgs, err = q.Read(ctx, o.stream, o.group, o.consumer, limit, o.wait); err != nil {
				if ctx.Err() != nil {
					return nil // interrupted while waiting: a normal stop
				}
				return err
			}
		}
		if len(msgs) == 0 {
			return unhandled() // nothing new within --wait
		}
		for _, m := range msgs {
			if reason := queue.DeadReason(o.stream, m, o.knownKind, o.maxDeliveries); reason != "" {
				moved, err := q.DeadLetter(ctx, o.stream, o.group, m.StreamID, m.Deliveries, reason)
				if err != nil {
					return err
				}
				if moved {
					fmt.Fprintf(stderr, "queue: tin %s (%s) được chuyển sang %s: %s\n",
						m.StreamID, m.ID, queue.DeadLetterStream(o.stream), deadReasonVN(reason, m.Deliveries))
				}
				continue
			}
			if o.exec != "" {
				if err := runExec(ctx, o, m, stdout, stderr); err != nil {
					// Not acknowledged: it stays pending in this consumer and
					// is delivered again after --claim-idle.
					failed++
					fmt.Fprintf(stderr, "queue: tin %s (%s): %v; chưa xác nhận, sẽ được giao lại sau %s\n", m.StreamID, m.ID, err, o.claimIdle)
					continue
				}
			} else if err := writeLine(out, stdout, m); err != nil {
				// Not acknowledged: it stays pending and comes back.
				return fmt.Errorf("queue consume: write message %s: %w", m.StreamID, err)
			}
			if _, err := q.Ack(ctx, o.stream, o.group, m.StreamID); err != nil {
				return err
			}
			printed++
		}
	}
	return unhandled()
}

// runExec hands m to o.exec: /bin/sh -c CMD with the message as one JSON
// object (the line print mode writes) on its standard input and
// PORTAL_QUEUE, PORTAL_STREAM_ID, PORTAL_MESSAGE_ID and PORTAL_DELIVERIES
// in its environment; its output goes to ours. It returns nil only when
// the command exits 0 within o.execTimeout; a command still running then
// is killed with its process group.
func runExec(ctx context.Context, o consumeOptions, m queue.Message, stdout, stderr io.Writer) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, o.execTimeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, "/bin/sh", "-c", o.exec)
	cmd.Stdin = bytes.NewReader(append(b, '\n'))
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Env = append(os.Environ(), "PORTAL_QUEUE="+o.stream, "PORTAL_STREAM_ID="+m.StreamID,
		"PORTAL_MESSAGE_ID="+m.ID, "PORTAL_DELIVERIES="+strconv.FormatInt(m.Deliveries, 10))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if cctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("lệnh --exec chạy quá %s nên bị dừng", o.execTimeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Errorf("lệnh --exec kết thúc với mã %d", ee.ExitCode())
	}
	if err != nil {
		return fmt.Errorf("lệnh --exec: %w", err)
	}
	return nil
}

// writeLine writes m as one JSON line and flushes it; when stdout is a
// regular file it is also synced, so "consume > tips.jsonl" has the line on
// disk before the entry is acknowledged.
func writeLine(out *bufio.Writer, stdout io.Writer, m queue.Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := out.Write(b); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if f, ok := stdout.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return f.Sync()
		}
	}
	return nil
}

// runQueueStats prints, per queue, its length, the pending count of each
// consumer group and the dead-letter count: a table, or JSON with --json.
func runQueueStats(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("queue stats", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var names string
	var asJSON bool
	fset.StringVar(&names, "queue", "", "comma-separated queues (default: police, social-affairs and every other portal queue)")
	fset.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	cfg, err := loadConfig(fset, args, getenv)
	if err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("queue stats: unexpected argument %q", fset.Arg(0))
	}
	q, closeQueue, err := openQueue(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeQueue()
	streams, err := selectStreams(ctx, q, names)
	if err != nil {
		return fmt.Errorf("queue stats: %w", err)
	}
	all := make([]queue.StreamStats, 0, len(streams))
	for _, s := range streams {
		st, err := q.Stats(ctx, s)
		if err != nil {
			return err
		}
		all = append(all, st)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(all)
	}
	return writeStatsTable(stdout, all)
}

// selectStreams resolves a comma-separated --queue list, or, when it is
// empty, returns police, social-affairs and every other portal stream.
func selectStreams(ctx context.Context, q queue.Queue, names string) ([]string, error) {
	var streams []string
	for _, n := range strings.Split(names, ",") {
		if strings.TrimSpace(n) == "" {
			continue
		}
		s, err := queue.StreamName(n)
		if err != nil {
			return nil, fmt.Errorf("--queue: %w", err)
		}
		streams = append(streams, s)
	}
	if len(streams) > 0 {
		return streams, nil
	}
	found, err := q.Streams(ctx)
	if err != nil {
		return nil, err
	}
	streams = []string{queue.StreamPolice, queue.StreamSocialAffairs}
	for _, s := range found {
		if s != queue.StreamPolice && s != queue.StreamSocialAffairs {
			streams = append(streams, s)
		}
	}
	return streams, nil
}

// runQueueTrim removes from each queue the entries every consumer group has
// acknowledged (Queue.TrimAcked), and prints how many per queue. Pending
// and undelivered entries are never touched, nor queues without groups.
func runQueueTrim(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("queue trim", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var names string
	fset.StringVar(&names, "queue", "", "comma-separated queues (default: every portal queue)")
	cfg, err := loadConfig(fset, args, getenv)
	if err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("queue trim: unexpected argument %q", fset.Arg(0))
	}
	q, closeQueue, err := openQueue(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeQueue()
	streams, err := selectStreams(ctx, q, names)
	if err != nil {
		return fmt.Errorf("queue trim: %w", err)
	}
	for _, s := range streams {
		n, err := q.TrimAcked(ctx, s)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: đã xoá %d tin mọi nhóm đã xác nhận\n", s, n)
	}
	return nil
}

// writeStatsTable prints one row per consumer group (one row with dashes
// for a queue without groups).
func writeStatsTable(w io.Writer, all []queue.StreamStats) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HÀNG ĐỢI\tSỐ TIN\tDEAD-LETTER\tNHÓM\tCONSUMER\tCHỜ XÁC NHẬN\tCHƯA GIAO")
	for _, st := range all {
		if len(st.Groups) == 0 {
			fmt.Fprintf(tw, "%s\t%d\t%d\t-\t-\t-\t-\n", st.Stream, st.Length, st.DeadLetters)
			continue
		}
		for _, g := range st.Groups {
			lag := strconv.FormatInt(g.Lag, 10)
			if g.Lag < 0 {
				lag = "?"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%d\t%s\n", st.Stream, st.Length, st.DeadLetters, g.Name, g.Consumers, g.Pending, lag)
		}
	}
	return tw.Flush()
}

// knownStreams are the streams "portal queue consume" reads without
// --any-stream: the police and social-affairs queues, the queues named in
// routing.yaml, and the dead-letter stream of each.
func knownStreams() (map[string]bool, error) {
	cat, err := intake.LoadCatalog()
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	add := func(s string) { known[s], known[queue.DeadLetterStream(s)] = true, true }
	add(queue.StreamPolice)
	add(queue.StreamSocialAffairs)
	for _, r := range cat.Routes {
		add(r.Queue)
	}
	return known, nil
}

// openQueue opens the engine cfg selects: Redis Streams at REDIS_URL, or the
// embedded queue in the data dir, which must exist: a mistyped --data-dir
// must not be created and reported as an empty queue. The returned
// function closes it.
func openQueue(ctx context.Context, cfg Config) (queue.Queue, func(), error) {
	if cfg.RedisURL == "" {
		fi, err := os.Stat(cfg.DataDir)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("queue: thư mục dữ liệu %q không tồn tại; kiểm tra --data-dir hoặc PORTAL_DATA_DIR (thư mục mà \"portal serve\" dùng)", cfg.DataDir)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("queue: thư mục dữ liệu %q: %w", cfg.DataDir, err)
		}
		if !fi.IsDir() {
			return nil, nil, fmt.Errorf("queue: %q không phải là thư mục; kiểm tra --data-dir hoặc PORTAL_DATA_DIR", cfg.DataDir)
		}
		l, err := queue.OpenLocal(cfg.DataDir)
		if err != nil {
			return nil, nil, err
		}
		return l, func() { l.Close() }, nil
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		// The URL may hold a password: do not echo it.
		return nil, nil, errors.New("REDIS_URL: not a valid redis:// or rediss:// URL")
	}
	// Let ctx (SIGINT/SIGTERM) interrupt a blocking XREADGROUP at once;
	// go-redis otherwise ignores context deadlines on socket reads.
	opt.ContextTimeoutEnabled = true
	client := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("queue: Redis does not answer: %w", err)
	}
	return queue.NewRedis(client), func() { client.Close() }, nil
}

// defaultConsumerName is "<host>-<pid>": unique per process, so two
// consumers never share a pending list by accident; a dead process's
// entries are claimed by the next one after --claim-idle.
func defaultConsumerName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "portal"
	}
	return host + "-" + strconv.Itoa(os.Getpid())
}
