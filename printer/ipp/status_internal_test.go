package ipp

import (
	"errors"
	"testing"

	goipp "github.com/phin1x/go-ipp"

	"madoguchi/printer"
)

func TestStatusFrom(t *testing.T) {
	idle, stopped := int(goipp.PrinterStateIdle), int(goipp.PrinterStateStopped)
	tests := []struct {
		name    string
		state   int
		reasons []string
		want    error
		low     bool
	}{
		{"idle none", idle, []string{"none"}, nil, false},
		{"media low warning", idle, []string{"media-low-warning"}, nil, true},
		{"media empty", stopped, []string{"media-empty-error"}, printer.ErrPaperOut, false},
		{"media needed report", idle, []string{"media-needed-report"}, printer.ErrPaperOut, false},
		{"door open", stopped, []string{"door-open"}, printer.ErrCoverOpen, false},
		{"cover open beats paper", stopped, []string{"media-empty-error", "cover-open-error"}, printer.ErrCoverOpen, false},
		{"jam", stopped, []string{"media-jam-error"}, printer.ErrPaperJam, false},
		{"offline", idle, []string{"offline-report"}, printer.ErrOffline, false},
		{"stopped, no reason", stopped, nil, printer.ErrOffline, false},
		{"paused", idle, []string{"paused"}, printer.ErrOffline, false},
		{"toner low only", idle, []string{"toner-low-warning"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := statusFrom(tt.state, tt.reasons)
			if err := st.Err(); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Err() = %v, want %v (%v)", err, tt.want, st)
			}
			if st.PaperLow != tt.low {
				t.Errorf("PaperLow = %v", st.PaperLow)
			}
		})
	}
}
