package backup

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/sendstream"
)

// TestFeedCopiesWhatItKeeps hands the feed commands whose data lives in a
// buffer that is overwritten right after each add (as a part buffer is
// reused once sealed) and checks that the builder's side sees every
// command, in order, with its own bytes: also commands bigger than a
// batch's arena, and batches cut by the command count.
func TestFeedCopiesWhatItKeeps(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	defer func(a, c int) { feedArena, feedCommands = a, c }(feedArena, feedCommands)
	feedArena, feedCommands = 4<<10, 5

	type want struct {
		off        int64
		data, xatt [32]byte
	}
	var wants []want
	f := newFeed()
	var got []want
	done := make(chan error)
	go func() {
		done <- f.drain(func(c *sendstream.Command) error {
			got = append(got, want{c.Offset, sha256.Sum256(c.Data), sha256.Sum256(c.XattrData)})
			return nil
		})
	}()
	buf, xbuf := make([]byte, 16<<10), make([]byte, 64)
	for i := range 500 {
		data := buf[:rng.Intn(len(buf))] // up to 4 arenas
		rng.Read(data)
		xattr := xbuf[:rng.Intn(len(xbuf))]
		rng.Read(xattr)
		c := &sendstream.Command{Type: sendstream.CmdWrite, Offset: int64(i), Data: data, XattrData: xattr}
		wants = append(wants, want{c.Offset, sha256.Sum256(data), sha256.Sum256(xattr)})
		f.add(c)
		clear(buf) // the part buffer, reused
		clear(xbuf)
	}
	f.close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(got) != len(wants) {
		t.Fatalf("the builder saw %d commands, %d were added", len(got), len(wants))
	}
	for i := range wants {
		if got[i] != wants[i] {
			t.Fatalf("command %d: the builder saw other bytes than were added (offset %d, want %d)", i, got[i].off, wants[i].off)
		}
	}
}

// TestFeedBuilderFailureDoesNotStopTheReader: once the builder fails, the
// reader's adds neither block nor keep copying, and the error comes out.
func TestFeedBuilderFailureDoesNotStopTheReader(t *testing.T) {
	defer func(c int) { feedCommands = c }(feedCommands)
	feedCommands = 2
	f := newFeed()
	boom := errors.New("boom")
	applied := 0
	done := make(chan error)
	go func() {
		done <- f.drain(func(*sendstream.Command) error {
			applied++
			if applied == 3 {
				return boom
			}
			return nil
		})
	}()
	data := bytes.Repeat([]byte{1}, 1000)
	for i := range 10000 {
		f.add(&sendstream.Command{Type: sendstream.CmdWrite, Offset: int64(i), Data: data})
	}
	<-f.failed // the builder said so: the adds above did not wait for it
	f.close()
	if err := <-done; !errors.Is(err, boom) {
		t.Fatalf("drain returned %v, want the builder's error", err)
	}
	if applied != 3 {
		t.Fatalf("the builder applied %d commands, want 3 (none after its error)", applied)
	}
}
