package queue

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the production engine: one Redis Stream per agency queue, read
// through consumer groups. It never trims with MAXLEN (PITFALLS.md, Redis:
// XADD … MAXLEN drops unacknowledged entries); see TrimAcked for the only
// trimming it does. The *redis.Client belongs to the caller, who closes it.
type Redis struct {
	client *redis.Client
}

// Compile-time checks that *Redis is a Publisher and a Queue.
var (
	_ Publisher = (*Redis)(nil)
	_ Queue     = (*Redis)(nil)
)

// NewRedis returns the Redis Streams engine over client.
func NewRedis(client *redis.Client) *Redis {
	return &Redis{client: client}
}

// minuteIDLua is the Lua of the function that appends an entry with an
// id of minute resolution: XADD <ms>-* where <ms> is the start of the
// current minute on Redis's clock (TIME), so the id does not place the
// entry in time more finely than received_at does. Stream ids must grow:
// when the stream's last id is already at or after that minute (several
// entries in one minute, Redis's clock stepped back, or an entry written
// by someone else with XADD *), the entry takes the minute of that last id
// rounded up, so every id stays the start of a minute and larger than the
// last. Shared by Publish and DeadLetter.
const minuteIDLua = `
local function minute_xadd(key, fields)
  local t = redis.call('TIME')
  local ms = math.floor(tonumber(t[1]) / 60) * 60000
  local last = '0-0'
  if redis.call('EXISTS', key) == 1 then
    local info = redis.call('XINFO', 'STREAM', key)
    for i = 1, #info, 2 do
      if info[i] == 'last-generated-id' then last = info[i + 1] end
    end
  end
  local last_ms = tonumber(string.match(last, '^(%d+)-'))
  if last_ms >= ms then
    ms = math.ceil(last_ms / 60000) * 60000
  end
  return redis.call('XADD', key, string.format('%d-*', ms), unpack(fields))
end
`

// PublishedTTL is how long Redis remembers that a submission was put on a
// stream (the marker of Redis.Publish): seven days, rounded to whole
// minutes. A forward interrupted after its XADD (a process killed, a
// database that failed the mark) is redone by whichever instance claims the
// row next, at its next round or start; the marker must outlive that, and a
// week is longer than any outage of a whole cluster the portal is run for.
// The marker holds only the random submission id (in its name) and the
// entry's stream id (a minute), both also on the entry and in its case.
const PublishedTTL = 7 * 24 * time.Hour

// PublishedKey is the Redis key of the marker that says the submission id
// is on stream: "<stream>:published:<id>", a string whose value is the
// entry's stream id. Streams lists only keys of type stream, so markers
// are not taken for queues; a test's key prefix in the stream name covers
// them too.
func PublishedKey(stream, id string) string { return stream + ":published:" + id }

// publishScript appends one entry once per submission id. KEYS: stream,
// marker (PublishedKey). ARGV: the marker's lifetime in seconds (a whole
// number of minutes), then the fields, name and value alternately. When
// the marker exists the entry is on the stream already (or was, until the
// groups acknowledged it and it was trimmed): nothing is appended and the
// stream id it got then is returned. Otherwise the entry is appended and
// the marker set, in the same script, so that no crash and no other
// client can come between the two: Redis runs a script alone, and writes
// its effects to the AOF and to replicas as one transaction. The marker
// expires at a whole minute (EXAT on a minute boundary, from Redis's
// TIME), so its expiry does not place the submission in time more finely
// than its stream id does.
var publishScript = redis.NewScript(minuteIDLua + `
local prev = redis.call('GET', KEYS[2])
if prev then return prev end
local t = redis.call('TIME')
local exat = math.floor(tonumber(t[1]) / 60) * 60 + tonumber(ARGV[1])
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = minute_xadd(KEYS[1], fields)
redis.call('SET', KEYS[2], id, 'EXAT', exat)
return id
`)

// Publish appends e to stream, fields id, kind, received_at (RFC 3339,
// UTC, to the minute) and data (JSON), with an id of minute resolution
// (minuteIDLua) instead of XADD *, whose id is the millisecond of
// publication, and no trimming. It is idempotent on e.ID for PublishedTTL
// (publishScript): publishing a submission that stream already has appends
// nothing and returns the stream id of the first publication, so a
// forwarder that redoes a forward interrupted between this call and its
// mark in the outbox does not put the submission on the stream twice. A
// nil error means Redis has the entry (durable as far as its persistence
// settings go; the outbox keeps the submission until a desk has it) and
// returns the entry's stream id. Bad entries give an error wrapping
// ErrInvalid.
func (r *Redis) Publish(ctx context.Context, stream string, e Entry) (string, error) {
	if err := validateEntry(stream, e); err != nil {
		return "", err
	}
	fields := entryFields(e)
	args := make([]any, 0, len(fields)+1)
	args = append(args, int64(PublishedTTL.Truncate(time.Minute)/time.Second))
	for _, f := range fields {
		args = append(args, f)
	}
	id, err := publishScript.Run(ctx, r.client, []string{stream, PublishedKey(stream, e.ID)}, args...).Text()
	if err != nil {
		return "", fmt.Errorf("queue: publish %s to %s: %w", e.ID, stream, err)
	}
	return id, nil
}

// CreateGroup creates group on stream from id 0 (XGROUP CREATE … 0
// MKSTREAM), so entries published before the group existed are delivered.
// An existing group (BUSYGROUP) is not an error.
func (r *Redis) CreateGroup(ctx context.Context, stream, group string) error {
	if err := checkStream(stream); err != nil {
		return err
	}
	if err := checkName("group", group); err != nil {
		return err
	}
	err := r.client.XGroupCreateMkStream(ctx, stream, group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("queue: create group %s on %s: %w", group, stream, err)
	}
	return nil
}

// Read delivers new entries (XREADGROUP … STREAMS stream >), waiting up to
// block when there are none (block <= 0: no BLOCK argument, which go-redis
// would otherwise send as BLOCK 0, "wait forever"). Delivery counts come
// from XPENDING.
func (r *Redis) Read(ctx context.Context, stream, group, consumer string, count int, block time.Duration) ([]Message, error) {
	if err := checkConsumer(stream, group, consumer); err != nil {
		return nil, err
	}
	if count <= 0 {
		count = 1
	}
	if block <= 0 {
		block = -1
	} else if block < time.Millisecond {
		block = time.Millisecond
	}
	res, err := r.client.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    group,
		Consumer: consumer,
		Streams:  []string{stream, ">"},
		Count:    int64(count),
		Block:    block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return []Message{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("queue: read %s as %s/%s: %w", stream, group, consumer, err)
	}
	var xs []redis.XMessage
	for _, s := range res {
		xs = append(xs, s.Messages...)
	}
	return r.withDeliveries(ctx, stream, group, consumer, xs)
}

// Claim takes entries idle for at least minIdle from any consumer of the
// group (XAUTOCLAIM, which increments their delivery counts), scanning the
// whole pending list if needed, and reads their delivery counts with
// XPENDING. Reading the group with an id other than ">" would only return
// the caller's own pending entries (PITFALLS.md), so this is the one way a
// dead consumer's entries come back.
func (r *Redis) Claim(ctx context.Context, stream, group, consumer string, minIdle time.Duration, count int) ([]Message, error) {
	if err := checkConsumer(stream, group, consumer); err != nil {
		return nil, err
	}
	if count <= 0 {
		count = 1
	}
	if minIdle < 0 {
		minIdle = 0
	}
	start := "0-0"
	var claimed []redis.XMessage
	for len(claimed) < count {
		msgs, next, err := r.client.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream:   stream,
			Group:    group,
			Consumer: consumer,
			MinIdle:  minIdle,
			Start:    start,
			Count:    int64(count - len(claimed)),
		}).Result()
		if err != nil {
			return nil, fmt.Errorf("queue: claim on %s as %s/%s: %w", stream, group, consumer, err)
		}
		claimed = append(claimed, msgs...)
		if next == "0-0" || next == "" {
			break
		}
		start = next
	}
	return r.withDeliveries(ctx, stream, group, consumer, claimed)
}

// withDeliveries turns stream messages just delivered to consumer into
// Messages with their delivery counts from XPENDING.
func (r *Redis) withDeliveries(ctx context.Context, stream, group, consumer string, xs []redis.XMessage) ([]Message, error) {
	out := make([]Message, 0, len(xs))
	if len(xs) == 0 {
		return out, nil
	}
	lo, hi := xs[0].ID, xs[0].ID
	for _, x := range xs[1:] {
		if streamIDLess(x.ID, lo) {
			lo = x.ID
		}
		if streamIDLess(hi, x.ID) {
			hi = x.ID
		}
	}
	pend, err := r.client.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream:   stream,
		Group:    group,
		Consumer: consumer,
		Start:    lo,
		End:      hi,
		Count:    int64(len(xs)) + 1000,
		Idle:     0,
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("queue: read delivery counts on %s for %s/%s: %w", stream, group, consumer, err)
	}
	counts := make(map[string]int64, len(pend))
	for _, p := range pend {
		counts[p.ID] = p.RetryCount
	}
	for _, x := range xs {
		m := Message{StreamID: x.ID, Deliveries: counts[x.ID]}
		if m.Deliveries == 0 {
			// Not in our pending list any more (acked by a racing
			// consumer between the two calls); it was delivered once.
			m.Deliveries = 1
		}
		f := make(map[string]string, len(x.Values))
		for k, v := range x.Values {
			if s, ok := v.(string); ok {
				f[k] = s
			}
		}
		m.Entry, m.Err = entryFromFields(x.ID, f)
		fillDead(&m, f)
		out = append(out, m)
	}
	return out, nil
}

// Ack acknowledges entries with XACK.
func (r *Redis) Ack(ctx context.Context, stream, group string, streamIDs ...string) (int64, error) {
	if err := checkStream(stream); err != nil {
		return 0, err
	}
	if err := checkName("group", group); err != nil {
		return 0, err
	}
	if len(streamIDs) == 0 {
		return 0, nil
	}
	n, err := r.client.XAck(ctx, stream, group, streamIDs...).Result()
	if err != nil {
		return 0, fmt.Errorf("queue: ack %d entries on %s for %s: %w", len(streamIDs), stream, group, err)
	}
	return n, nil
}

// deadLetterScript moves one pending entry to the dead-letter stream and
// acks it, atomically; the copy gets an id of minute resolution too
// (minuteIDLua). KEYS: stream, dead stream. ARGV: group, id, deliveries,
// reason. Returns 1 when moved, 0 when the entry was not pending.
var deadLetterScript = redis.NewScript(minuteIDLua + `
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 then return 0 end
local r = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
local f = {}
if #r > 0 then f = r[1][2] end
table.insert(f, 'dead_from'); table.insert(f, ARGV[2])
table.insert(f, 'dead_group'); table.insert(f, ARGV[1])
table.insert(f, 'dead_deliveries'); table.insert(f, ARGV[3])
table.insert(f, 'dead_reason'); table.insert(f, ARGV[4])
minute_xadd(KEYS[2], f)
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return 1
`)

// DeadLetter copies the pending entry to DeadLetterStream(stream), with
// the reason, and acks it in group, in one Lua script so a crash cannot
// leave it in both or in neither.
func (r *Redis) DeadLetter(ctx context.Context, stream, group, streamID string, deliveries int64, reason string) (bool, error) {
	if err := checkStream(stream); err != nil {
		return false, err
	}
	if err := checkName("group", group); err != nil {
		return false, err
	}
	if streamID == "" {
		return false, fmt.Errorf("%w: empty stream id", ErrInvalid)
	}
	n, err := deadLetterScript.Run(ctx, r.client, []string{stream, DeadLetterStream(stream)},
		group, streamID, strconv.FormatInt(deliveries, 10), reason).Int64()
	if err != nil {
		return false, fmt.Errorf("queue: dead-letter %s on %s for %s: %w", streamID, stream, group, err)
	}
	return n == 1, nil
}

// Stats reads XLEN of the stream and of its dead-letter stream and XINFO
// GROUPS.
func (r *Redis) Stats(ctx context.Context, stream string) (StreamStats, error) {
	st := StreamStats{Stream: stream, Groups: []GroupStats{}}
	if err := checkStream(stream); err != nil {
		return st, err
	}
	var err error
	if st.Length, err = r.client.XLen(ctx, stream).Result(); err != nil {
		return st, fmt.Errorf("queue: length of %s: %w", stream, err)
	}
	if st.DeadLetters, err = r.client.XLen(ctx, DeadLetterStream(stream)).Result(); err != nil {
		return st, fmt.Errorf("queue: length of %s: %w", DeadLetterStream(stream), err)
	}
	if st.Length == 0 {
		if n, err := r.client.Exists(ctx, stream).Result(); err != nil {
			return st, fmt.Errorf("queue: stats of %s: %w", stream, err)
		} else if n == 0 {
			return st, nil
		}
	}
	groups, err := r.client.XInfoGroups(ctx, stream).Result()
	if err != nil {
		return st, fmt.Errorf("queue: groups of %s: %w", stream, err)
	}
	for _, g := range groups {
		st.Groups = append(st.Groups, GroupStats{
			Name:            g.Name,
			Consumers:       g.Consumers,
			Pending:         g.Pending,
			LastDeliveredID: g.LastDeliveredID,
			Lag:             g.Lag,
		})
	}
	sort.Slice(st.Groups, func(i, j int) bool { return st.Groups[i].Name < st.Groups[j].Name })
	return st, nil
}

// Streams lists the streams whose names start with StreamPrefix (SCAN …
// TYPE stream), without dead-letter streams.
func (r *Redis) Streams(ctx context.Context) ([]string, error) {
	return r.streamsWithPrefix(ctx, StreamPrefix)
}

func (r *Redis) streamsWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	iter := r.client.ScanType(ctx, 0, prefix+"*", 100, "stream").Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if !strings.HasSuffix(k, DeadSuffix) {
			out = append(out, k)
		}
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("queue: list streams: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

// removeConsumerScript deletes a consumer that has no pending entries, in
// one step so no entry can be assigned to it in between. KEYS: stream.
// ARGV: group, consumer. Returns 1 when deleted.
var removeConsumerScript = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #p > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`)

// RemoveConsumer deletes consumer from group when its pending list is
// empty (XPENDING, then XGROUP DELCONSUMER, in one Lua script).
func (r *Redis) RemoveConsumer(ctx context.Context, stream, group, consumer string) (bool, error) {
	if err := checkConsumer(stream, group, consumer); err != nil {
		return false, err
	}
	n, err := removeConsumerScript.Run(ctx, r.client, []string{stream}, group, consumer).Int64()
	if err != nil {
		return false, fmt.Errorf("queue: remove consumer %s/%s from %s: %w", group, consumer, stream, err)
	}
	return n == 1, nil
}

// trimScript trims the stream to its oldest entry still needed by some
// group: the oldest pending entry of every group and every entry after a
// group's last-delivered id are kept. With no group nothing is trimmed.
// KEYS: stream. Returns the number of entries removed.
var trimScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
if #groups == 0 then return 0 end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  if am ~= bm then return am < bm end
  return as < bs
end
local min = nil
for _, g in ipairs(groups) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  local keep
  local p = redis.call('XPENDING', KEYS[1], info['name'])
  if p[1] > 0 then
    keep = p[2]
  else
    local ms, seq = parse(info['last-delivered-id'])
    keep = ms .. '-' .. (seq + 1)
  end
  if min == nil or less(keep, min) then min = keep end
end
return redis.call('XTRIM', KEYS[1], 'MINID', min)
`)

// TrimAcked removes from stream the entries every consumer group has
// acknowledged, and only those: XTRIM MINID to the oldest entry that some
// group still has pending or has not yet delivered, computed and applied in
// one Lua script. A stream without groups is left untouched. It returns the
// number of entries removed. (Sequence-number overflow of the successor id
// is not handled: sequence numbers within one minute stay far below 2^53.)
func (r *Redis) TrimAcked(ctx context.Context, stream string) (int64, error) {
	if err := checkStream(stream); err != nil {
		return 0, err
	}
	n, err := trimScript.Run(ctx, r.client, []string{stream}).Int64()
	if err != nil {
		return 0, fmt.Errorf("queue: trim acknowledged entries of %s: %w", stream, err)
	}
	return n, nil
}

// streamIDLess orders Redis stream ids ("ms-seq").
func streamIDLess(a, b string) bool {
	am, as := splitStreamID(a)
	bm, bs := splitStreamID(b)
	if am != bm {
		return am < bm
	}
	return as < bs
}

func splitStreamID(id string) (uint64, uint64) {
	ms, seq, _ := strings.Cut(id, "-")
	m, _ := strconv.ParseUint(ms, 10, 64)
	s, _ := strconv.ParseUint(seq, 10, 64)
	return m, s
}

func checkConsumer(stream, group, consumer string) error {
	if err := checkStream(stream); err != nil {
		return err
	}
	if err := checkName("group", group); err != nil {
		return err
	}
	return checkName("consumer", consumer)
}
