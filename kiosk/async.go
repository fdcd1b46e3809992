package kiosk

import (
	"context"
	"time"
)

// Asynchronous work: slow calls (card, center, payer, printer, the technician's back
// office) run off the loop. Each piece of work belongs to an owner — a session, or one
// visit to the technician menu — and returns a function that the loop runs with its
// result, only while the owner is live and no later work was started for it. spawn is
// the only way the engine starts a goroutine.

// owner is what asynchronous work belongs to. Its fields are the loop's.
type owner struct {
	ctx  context.Context // the work's context
	op   uint64          // the latest work started; earlier results are dropped
	done bool            // ended: every late result is dropped
}

// Limits of asynchronous work.
const (
	// untilStateTimeout: a session's work has no limit of its own; the state's timeout
	// fails the session, which cancels the work's context.
	untilStateTimeout time.Duration = 0
	// TechActionTimeout bounds one technician menu action (diagnostics, queue, test page).
	TechActionTimeout = 2 * time.Minute
)

// resultEv carries finished work back to the loop.
type resultEv struct {
	o     *owner
	op    uint64
	apply func()
}

// spawn runs work for o off the loop, under o's context bounded by limit (0: no limit of
// its own); the function it returns runs on the loop if o is still live and no later
// work was started for it.
func (e *Engine) spawn(o *owner, limit time.Duration, work func(ctx context.Context) func()) {
	o.op++
	op, ctx := o.op, o.ctx
	go func() {
		if limit > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, limit)
			defer cancel()
		}
		apply := work(ctx)
		e.post(resultEv{o: o, op: op, apply: apply})
	}()
}
