package kv

import (
	"errors"

	bolt "go.etcd.io/bbolt"
)

// DefaultBoltMaxGroup is BoltOptions.MaxGroup when it is not set.
const DefaultBoltMaxGroup = 1024

// groupWrite is one writer's transaction function waiting for a group
// commit, and where its result goes.
type groupWrite struct {
	fn   func(tx *bolt.Tx) error
	done chan error
}

// groupCommitter is the group commit of a BoltStore: one goroutine runs every
// write. It takes the first waiting write, then every other write already
// waiting (at most max), runs them all in one read-write transaction and
// commits it with one sync, then answers each writer. A lone writer
// therefore never waits for company (no delay, unlike bbolt's DB.Batch), and
// writers that arrive during a commit share the next one, so under load the
// syncs per write fall with the number of concurrent writers. A write is
// answered only after the commit that holds it is on disk.
//
// If a function fails, the shared transaction is rolled back and every
// write of the group runs again in a transaction of its own, so one
// writer's error never becomes another's. Functions may therefore run more
// than once, exactly as with DB.Batch.
type groupCommitter struct {
	db   *bolt.DB
	max  int
	in   chan *groupWrite // unbuffered: a send succeeds only while run receives
	quit chan struct{}
	done chan struct{}
}

func newGroupCommitter(db *bolt.DB, max int) *groupCommitter {
	g := &groupCommitter{db: db, max: max, in: make(chan *groupWrite), quit: make(chan struct{}), done: make(chan struct{})}
	go g.run()
	return g
}

// write runs fn in the next group commit and returns its result once the
// commit is on disk, or ErrClosed when the committer has stopped.
func (g *groupCommitter) write(fn func(tx *bolt.Tx) error) error {
	w := &groupWrite{fn: fn, done: make(chan error, 1)}
	select {
	case g.in <- w:
		return <-w.done
	case <-g.quit:
		return ErrClosed
	}
}

// close stops the committer after the group in progress.
func (g *groupCommitter) close() {
	close(g.quit)
	<-g.done
}

func (g *groupCommitter) run() {
	defer close(g.done)
	group := make([]*groupWrite, 0, g.max)
	for {
		select {
		case w := <-g.in:
			group = append(group[:0], w)
		case <-g.quit:
			return
		}
	gather:
		for len(group) < g.max {
			select {
			case w := <-g.in:
				group = append(group, w)
			default:
				break gather
			}
		}
		g.commit(group)
		clear(group)
	}
}

// errGroupMember marks the failure of one function of a group.
var errGroupMember = errors.New("kv: group member failed")

// commit runs group in one transaction, or each write alone when one fails.
func (g *groupCommitter) commit(group []*groupWrite) {
	if len(group) > 1 {
		err := g.db.Update(func(tx *bolt.Tx) error {
			for _, w := range group {
				if err := w.fn(tx); err != nil {
					return errors.Join(errGroupMember, err)
				}
			}
			return nil
		})
		if !errors.Is(err, errGroupMember) {
			for _, w := range group {
				w.done <- err
			}
			return
		}
	}
	for _, w := range group {
		w.done <- g.db.Update(w.fn)
	}
}
