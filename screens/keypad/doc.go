// Package keypad reads the resident's tactile keypad and posts its keys to the screen as
// screens.KeyEvents, the way screens/touch posts taps.
//
// # Layouts
//
// A USB numeric keypad (Reader, through the Linux evdev device, grabbed so the terminal
// does not see the keys too): the digits; 8 and 2 (or the arrows) move the focus, 5 or
// Enter chooses (on a PIN pad every digit is a digit and Enter confirms); "." or
// Backspace goes back (on the PIN pad: deletes a digit); "*" repeats the guide, "+" and
// "-" make it louder and quieter, "/" turns it on and off. The 5 key carries the tactile
// dot on every standard keypad.
//
// A GPIO key matrix (Matrix, periph.io pins): a 4×4 or 4×3 membrane keypad in the
// telephone layout (MatrixLayout): "*" back, "#" Enter, and the fourth column A help,
// B louder, C quieter, D voice. Rows are driven low one at a time, columns read with
// pull-ups; a key counts after Debounce equal scans.
//
// RunJack reads a board's headphone-jack switch (SW_HEADPHONE_INSERT) from its input
// device, not grabbed, and posts KeyHeadphones when headphones are plugged in: the guide
// turns on.
//
// Both post a key once per press; auto-repeat and releases post nothing. A keypad that is
// missing or unplugged is looked for again every RetryEvery; the screen works meanwhile.
// keypadtest wires gpiotest pins into a matrix that behaves like the membrane's wires.
package keypad
