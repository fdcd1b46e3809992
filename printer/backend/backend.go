package backend

import (
	"context"
	"fmt"
	"os"

	"madoguchi/config"
	"madoguchi/printer"
	"madoguchi/printer/escpos"
	"madoguchi/printer/file"
	"madoguchi/printer/ipp"
	"madoguchi/printer/layout"
)

// Device is an opened back end; exactly one of Raster and PDF is set.
type Device struct {
	Raster printer.RasterBackend
	PDF    printer.PDFBackend
}

func (d Device) device() interface {
	Status(context.Context) (printer.Status, error)
	String() string
	Close() error
} {
	if d.Raster != nil {
		return d.Raster
	}
	return d.PDF
}

// Status reads the back end's state.
func (d Device) Status(ctx context.Context) (printer.Status, error) { return d.device().Status(ctx) }

// String names the back end.
func (d Device) String() string { return d.device().String() }

// Close releases the back end.
func (d Device) Close() error { return d.device().Close() }

// Open opens the back end p names. The file back end creates its directory.
func Open(p config.Printer) (Device, error) {
	switch p.Backend {
	case config.BackendFile:
		f, err := file.New(file.Options{Dir: p.Dir})
		if err != nil {
			return Device{}, err
		}
		if p.Paper == config.Paper80mm {
			return Device{Raster: f}, nil
		}
		return Device{PDF: f}, nil
	case config.BackendESCPOS:
		e, err := escpos.Open(p.Device, escpos.Options{})
		if err != nil {
			return Device{}, err
		}
		return Device{Raster: e}, nil
	case config.BackendIPP:
		i, err := ipp.New(ipp.Options{URI: p.IPPURL})
		if err != nil {
			return Device{}, err
		}
		return Device{PDF: i}, nil
	}
	return Device{}, fmt.Errorf("unknown back end %q", p.Backend)
}

// OpenStatus opens the back end p names for a status read only: for the file back end
// the directory must exist already (nothing is created).
func OpenStatus(p config.Printer) (Device, error) {
	if p.Backend == config.BackendFile {
		fi, err := os.Stat(p.Dir)
		if err != nil {
			return Device{}, fmt.Errorf("output directory: %w", err)
		}
		if !fi.IsDir() {
			return Device{}, fmt.Errorf("output directory %s is not a directory", p.Dir)
		}
	}
	return Open(p)
}

// New composes the printer p names: its back end (Open) and, unless o has one, the
// certificate layout with p's font. o's Raster and PDF are ignored.
func New(p config.Printer, o printer.Options) (*printer.Printer, error) {
	if o.Layout == nil {
		lay, err := layout.New(layout.Options{FontPath: p.Font})
		if err != nil {
			return nil, fmt.Errorf("printer: %w", err)
		}
		o.Layout = lay
	}
	d, err := Open(p)
	if err != nil {
		return nil, fmt.Errorf("printer: %w", err)
	}
	o.Raster, o.PDF = d.Raster, d.PDF
	pr, err := printer.New(o)
	if err != nil {
		d.Close()
		return nil, err
	}
	return pr, nil
}
