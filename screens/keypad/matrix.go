package keypad

import (
	"context"
	"errors"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"

	"madoguchi/screens"
)

// MatrixLayout is the telephone layout of a 4×4 membrane keypad (dot on 5), row by row:
// digits, * back, # Enter, and the fourth column's A help, B louder, C quieter, D voice.
// A 4×3 keypad is the same without the fourth column.
var MatrixLayout = [4][4]string{
	{"1", "2", "3", "A"},
	{"4", "5", "6", "B"},
	{"7", "8", "9", "C"},
	{"*", "0", "#", "D"},
}

var matrixKeys = map[string]screens.Key{"*": screens.KeyBack, "#": screens.KeyEnter,
	"A": screens.KeyHelp, "B": screens.KeyLouder, "C": screens.KeyQuieter, "D": screens.KeyVoice}

// matrixKey is the key a label of MatrixLayout means.
func matrixKey(label string) (screens.Key, int) {
	if len(label) == 1 && label[0] >= '0' && label[0] <= '9' {
		return screens.KeyDigit, int(label[0] - '0')
	}
	return matrixKeys[label], 0
}

// ScanEvery is how often the matrix is scanned; a key counts as pressed after it read the
// same for Debounce scans (a membrane contact bounces for a few milliseconds).
const (
	ScanEvery = 10 * time.Millisecond
	Debounce  = 3
)

// Matrix scans a GPIO key matrix: each row in turn is driven low (the others high) and
// the columns, inputs with pull-ups, read low where a key of that row is pressed. A key
// is posted once when it has read pressed for Debounce scans; it must read released as
// long before it posts again.
type Matrix struct {
	Rows, Cols []gpio.PinIO // up to 4 each, in MatrixLayout's order
	Screen     Screen
	Every      time.Duration                        // default ScanEvery
	Tick       func(time.Duration) <-chan time.Time // default time.After (tests step it)
}

// Run scans until ctx ends; it returns ctx's error, or why the pins cannot be set up.
func (m *Matrix) Run(ctx context.Context) error {
	if len(m.Rows) == 0 || len(m.Rows) > 4 || len(m.Cols) == 0 || len(m.Cols) > 4 {
		return errors.New("keypad: a matrix needs 1 to 4 rows and 1 to 4 columns")
	}
	for _, c := range m.Cols {
		if err := c.In(gpio.PullUp, gpio.NoEdge); err != nil {
			return fmt.Errorf("keypad: column %s: %w", c, err)
		}
	}
	for _, r := range m.Rows {
		if err := r.Out(gpio.High); err != nil {
			return fmt.Errorf("keypad: row %s: %w", r, err)
		}
	}
	every, tick := m.Every, m.Tick
	if every <= 0 {
		every = ScanEvery
	}
	if tick == nil {
		tick = time.After
	}
	var count [4][4]int // consecutive scans in the current state; > 0 pressed, < 0 released
	var down [4][4]bool
	for {
		if err := m.scan(&count, &down); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick(every):
		}
	}
}

func (m *Matrix) scan(count *[4][4]int, down *[4][4]bool) error {
	for i, r := range m.Rows {
		if err := r.Out(gpio.Low); err != nil {
			return fmt.Errorf("keypad: row %s: %w", r, err)
		}
		for j, c := range m.Cols {
			pressed := c.Read() == gpio.Low
			switch {
			case pressed && count[i][j] >= 0:
				count[i][j]++
			case !pressed && count[i][j] <= 0:
				count[i][j]--
			case pressed:
				count[i][j] = 1
			default:
				count[i][j] = -1
			}
			if pressed && !down[i][j] && count[i][j] >= Debounce {
				down[i][j] = true
				if k, d := matrixKey(MatrixLayout[i][j]); k != screens.KeyNone {
					if err := m.Screen.PostEvent(screens.NewKeyEvent(k, d)); err != nil {
						return fmt.Errorf("keypad: post: %w", err)
					}
				}
			}
			if !pressed && down[i][j] && -count[i][j] >= Debounce {
				down[i][j] = false
			}
		}
		if err := r.Out(gpio.High); err != nil {
			return fmt.Errorf("keypad: row %s: %w", r, err)
		}
	}
	return nil
}
