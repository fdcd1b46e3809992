package kiosktest

import (
	"context"
	"sync"
	"time"
)

// Indicator is the card LED and buzzer: it records every reminder pattern (when it began,
// on the time package's clock, so a synctest bubble's; and how many beeps) and takes
// Beep per beep, stopping early when its context ends, like printer/gpio.Panel.
type Indicator struct {
	Beep time.Duration // each beep's length; 0 = 300ms (150ms on, 150ms off)

	mu       sync.Mutex
	patterns []Pattern
}

// Pattern is one reminder pattern the engine sounded.
type Pattern struct {
	At    time.Time
	Beeps int
	Cut   bool // its context ended before the last beep (the thing was taken)
}

// TakeCardReminder records the pattern and waits for its beeps.
func (i *Indicator) TakeCardReminder(ctx context.Context, beeps int) error {
	d := i.Beep
	if d <= 0 {
		d = 300 * time.Millisecond
	}
	i.mu.Lock()
	i.patterns = append(i.patterns, Pattern{At: time.Now(), Beeps: beeps})
	n := len(i.patterns) - 1
	i.mu.Unlock()
	t := time.NewTimer(time.Duration(beeps) * d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		i.mu.Lock()
		i.patterns[n].Cut = true
		i.mu.Unlock()
	case <-t.C:
	}
	return nil
}

// Patterns returns the patterns sounded so far.
func (i *Indicator) Patterns() []Pattern {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]Pattern(nil), i.patterns...)
}
