// Package keypadtest has a GPIO key matrix made of periph's gpiotest pins: row pins that
// remember the level the scanner drives, column pins that read low where a pressed key
// joins them to a row driven low, as the wires of a membrane keypad do.
package keypadtest

import (
	"fmt"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// Matrix is a rows×cols key matrix.
type Matrix struct {
	Rows, Cols []gpio.PinIO

	mu      sync.Mutex
	rows    []*gpiotest.Pin
	pressed map[[2]int]bool
	bounce  map[[2]int]int // reads left that bounce (alternate) before the contact settles
}

// New makes a matrix of gpiotest pins named ROW0…, COL0….
func New(rows, cols int) *Matrix {
	m := &Matrix{pressed: map[[2]int]bool{}, bounce: map[[2]int]int{}}
	for i := range rows {
		p := &gpiotest.Pin{N: fmt.Sprintf("ROW%d", i), Num: i, L: gpio.High}
		m.rows = append(m.rows, p)
		m.Rows = append(m.Rows, p)
	}
	for j := range cols {
		m.Cols = append(m.Cols, &col{Pin: &gpiotest.Pin{N: fmt.Sprintf("COL%d", j), Num: 100 + j}, m: m, j: j})
	}
	return m
}

// Press holds the key at row i, column j down (bounces: reads that alternate first).
func (m *Matrix) Press(i, j, bounces int) {
	m.mu.Lock()
	m.pressed[[2]int{i, j}] = true
	m.bounce[[2]int{i, j}] = bounces
	m.mu.Unlock()
}

// Release lets the key go.
func (m *Matrix) Release(i, j int) {
	m.mu.Lock()
	delete(m.pressed, [2]int{i, j})
	m.mu.Unlock()
}

// col reads low when a pressed key joins it to a row that is driven low.
type col struct {
	*gpiotest.Pin
	m *Matrix
	j int
}

func (c *col) Read() gpio.Level {
	m := c.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, r := range m.rows {
		k := [2]int{i, c.j}
		r.Lock()
		low := r.L == gpio.Low
		r.Unlock()
		if !low || !m.pressed[k] {
			continue
		}
		if m.bounce[k] > 0 {
			m.bounce[k]--
			if m.bounce[k]%2 == 1 {
				continue // this read bounced open
			}
		}
		return gpio.Low
	}
	return gpio.High // the pull-up
}
