package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lockFileName is the lock file of a data dir: "portal serve" (and the
// commands that must not run beside it) hold an exclusive flock(2) on it
// for as long as they run. The kernel drops the lock when the process
// ends, however it ends, so a stale file never blocks a start.
const lockFileName = "portal.lock"

// errDataDirInUse is wrapped by lockDataDir's error when another process
// holds the lock.
var errDataDirInUse = errors.New("data dir in use")

// lockDataDir takes the data dir's lock without waiting, or fails at once
// with an error naming the data dir (and the process holding it, from the
// pid it wrote), so that a second "portal serve" on the same data dir
// refuses to start instead of waiting on the files the first one holds.
// release drops it.
func lockDataDir(dataDir, what string) (release func(), err error) {
	path := filepath.Join(dataDir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data dir %s: %w", dataDir, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		holder := ""
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.Fields(string(b) + " x")[0]); perr == nil {
				holder = fmt.Sprintf(" (process %d)", pid)
			}
		}
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: data dir %s is in use by another portal process%s; stop it first, or give this one its own --data-dir (PORTAL_DATA_DIR)",
				errDataDirInUse, dataDir, holder)
		}
		return nil, fmt.Errorf("lock data dir %s: %w", dataDir, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+" "+what+"\n"), 0)
	return func() { f.Close() }, nil
}
