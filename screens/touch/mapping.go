package touch

import (
	"errors"
	"fmt"
)

// Range is the raw values at the two edges of one axis: Min at the left (top), Max at the
// right (bottom). Min > Max inverts the axis.
type Range struct{ Min, Max int32 }

func (r Range) zero() bool { return r.Min == r.Max }

// norm maps v into [0, 1] along r, clamped.
func (r Range) norm(v int32) float64 {
	f := (float64(v) - float64(r.Min)) / (float64(r.Max) - float64(r.Min))
	return min(max(f, 0), 1)
}

// Mapping turns raw device coordinates into screen cells: calibration (the raw range of
// each axis), then the swap of the axes, then the rotation.
type Mapping struct {
	X, Y     Range // raw ranges; zero ranges take the device's (see WithDevice)
	SwapXY   bool
	Rotation int // degrees clockwise the screen image is turned on the panel: 0, 90, 180, 270
}

// ErrNoRange means neither the configuration nor the device gives an axis range.
var ErrNoRange = errors.New("touch: the device reports no range for an axis; set screen.x_min/x_max and y_min/y_max")

// WithDevice fills the ranges the configuration left out from the device's axes and
// checks the mapping can be used.
func (m Mapping) WithDevice(info Info) (Mapping, error) {
	if m.X.zero() {
		m.X = Range{info.X.Min, info.X.Max}
	}
	if m.Y.zero() {
		m.Y = Range{info.Y.Min, info.Y.Max}
	}
	if m.X.zero() || m.Y.zero() {
		return m, ErrNoRange
	}
	switch m.Rotation {
	case 0, 90, 180, 270:
	default:
		return m, fmt.Errorf("touch: rotation %d: want 0, 90, 180 or 270", m.Rotation)
	}
	return m, nil
}

// Norm returns the position of p on the screen as fractions of its width and height
// (0,0 top-left; 1,1 bottom-right).
func (m Mapping) Norm(p Point) (fx, fy float64) {
	u, v := m.X.norm(p.X), m.Y.norm(p.Y)
	if m.SwapXY {
		u, v = v, u
	}
	// The image is turned clockwise on the panel: its top-left corner is at the panel's
	// top-right (90), bottom-right (180) or bottom-left (270).
	switch m.Rotation {
	case 90:
		return v, 1 - u
	case 180:
		return 1 - u, 1 - v
	case 270:
		return 1 - v, u
	}
	return u, v
}

// Cell returns the cell of p on a screen of cols×rows cells.
func (m Mapping) Cell(p Point, cols, rows int) (x, y int) {
	fx, fy := m.Norm(p)
	return cell(fx, cols), cell(fy, rows)
}

func cell(f float64, n int) int {
	if n <= 0 {
		return 0
	}
	return min(int(f*float64(n)), n-1)
}
