package screens

// The screens' colours and styles, one place for all of them.

import (
	"github.com/gdamore/tcell/v2"
)

// Colours: dark text on white, white text on strong colours; contrast for a public
// terminal read from standing and seated positions.
var (
	colNavy   = tcell.NewRGBColor(0x10, 0x2a, 0x5c)
	colBlue   = tcell.NewRGBColor(0x00, 0x46, 0xa0)
	colGreen  = tcell.NewRGBColor(0x00, 0x6e, 0x32)
	colTeal   = tcell.NewRGBColor(0x00, 0x6a, 0x7a)
	colGray   = tcell.NewRGBColor(0x5a, 0x5a, 0x5a)
	colLight  = tcell.NewRGBColor(0xdc, 0xdc, 0xdc)
	colDim    = tcell.NewRGBColor(0x6e, 0x6e, 0x6e)
	colRed    = tcell.NewRGBColor(0xb4, 0x00, 0x00)
	colCream  = tcell.NewRGBColor(0xff, 0xf4, 0xc8)
	colCardBg = tcell.NewRGBColor(0xc8, 0xdc, 0xf0)
	colBlack  = tcell.NewRGBColor(0x00, 0x00, 0x00)
	colWhite  = tcell.NewRGBColor(0xff, 0xff, 0xff)

	stBody      = tcell.StyleDefault.Background(colWhite).Foreground(colBlack)
	stBold      = stBody.Bold(true)
	stWarn      = stBody.Foreground(colRed).Bold(true)
	stHeader    = tcell.StyleDefault.Background(colNavy).Foreground(colWhite).Bold(true)
	stLang      = tcell.StyleDefault.Background(colTeal).Foreground(colWhite).Bold(true)
	stPrimary   = tcell.StyleDefault.Background(colGreen).Foreground(colWhite).Bold(true)
	stNormal    = tcell.StyleDefault.Background(colBlue).Foreground(colWhite).Bold(true)
	stCancel    = tcell.StyleDefault.Background(colGray).Foreground(colWhite).Bold(true)
	stOff       = tcell.StyleDefault.Background(colLight).Foreground(colBlack)
	stDisabled  = tcell.StyleDefault.Background(colLight).Foreground(colDim)
	stPIN       = tcell.StyleDefault.Background(colCream).Foreground(colBlack).Bold(true)
	stCard      = tcell.StyleDefault.Background(colCardBg).Foreground(colNavy).Bold(true)
	stCountdown = tcell.StyleDefault.Background(colNavy).Foreground(tcell.NewRGBColor(0xff, 0xd2, 0x00)).Bold(true)
	stTech      = tcell.StyleDefault.Background(colBlack).Foreground(tcell.NewRGBColor(0xff, 0xd2, 0x00))
)
