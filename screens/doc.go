// Package screens is the kiosk's touch UI on a tcell v2 screen: one screen per engine
// state, drawn from the engine's View, and hit-testing that turns taps and keys into
// engine inputs.
//
// # Concepts
//
//   - render lays out a kiosk.View onto a tcell.Screen and returns its buttons: filled
//     rectangles of at least 3 rows by 6 columns (large touch targets; no box drawing).
//     Every screen has a header with the 言語 Language button that opens the language
//     picker (language.go, kiosk.View.Picking; each language named in its own script);
//     footers hold Back/Cancel on the left and the primary action on the right.
//   - Texts are msg pairs (Japanese, English) written where they are used; the other
//     languages translate the English through internal/i18n's catalogs (a msg literal is
//     extracted into its source.json), falling back to English for a missing one. The
//     technician's screens are staffMsg: Japanese or English, never translated.
//   - Taps arrive as mouse events (xterm mouse reports, or screens/touch reading the
//     touchscreen's evdev device and posting tcell mouse events): a tap is taken on the
//     release of button 1, by the button it went down on, on the same screen, once per
//     press. The streams are foot's touch semantics (foot ≥ 1.15): a tap is press and
//     release sent together at lift, a moving finger is wheel events, a long press is a
//     press at the delay and a release at lift. A wheel event or another button cancels a
//     press; wheel events never act; a press released off its button does nothing; a lost
//     release costs at most the next tap on that screen (foot_test.go). Keys work too, for technicians and tests: digits (PIN, list items), Enter
//     (focused or primary button), Esc (cancel/done), Backspace (delete digit or back),
//     Delete (clear PIN), + and - (copies), Tab/Shift-Tab (focus), F1 or l (Japanese/English).
//   - Voice (access.go) is the spoken guide the UI tells every drawn view and every
//     move of the keypad's focus (screens/voice has it); KeyEvents are the tactile
//     keypad's keys, posted by screens/keypad: 2/8 (arrows) move the focus, 5 or Enter
//     chooses (the focused button, else the primary), back, help (the guide again),
//     louder, quieter, voice on/off; on a PIN pad every digit is a digit. The focus is
//     drawn reversed; it moves through the screen's buttons top to bottom, left to right,
//     then the header's. With Options.Voice the idle screen has a 音声案内 button and the
//     header volume buttons while it speaks.
//   - Display modes (display.go), with Options.Display: high contrast (every style mapped
//     to white/yellow on black, buttons in light colours; 見やすく in every header) and
//     やさしい日本語 (easyTexts replaces the main sentences, furigana puts the reading
//     under one-line buttons; a switch on the idle screen). A session's end resets them.
//     Golden tests cover every screen in each mode at 80×24.
//   - UI keeps the last frame's buttons for hit-testing; Run drives a UI from an Engine
//     (*kiosk.Engine) until its context ends. Options.Technician adds a one-row bar of
//     TechActions (kiosk demo: place or take the virtual card, pick a resident) bound to
//     function keys F2–F12.
//
// # Invariants
//
//   - Every text drawn goes through internal/safetext: what came from a card, a printer
//     or the center (technician lines, messages) cannot put a control or a bidi override
//     on the screen.
//   - Text is measured in cells with uniseg (East Asian Wide = 2; foot is told to
//     cluster graphemes the same way, TerminalSetup in terminal.go); a grapheme never
//     straddles a box edge; Japanese wraps between characters and never starts a line
//     with closing punctuation. No East Asian Ambiguous character is drawn (○ ※ ① ●
//     × and box drawing are avoided; the tests check every cell).
//   - Text that does not fit is recorded as overflow; the golden tests require none on
//     every screen in ja and en at 80×24 and 100×30.
//   - The "place your card" screen asks for the card or a phone and shows both; the PIN pad
//     says which PIN (the card's, or the one set on an Android phone); every refused card
//     has its own problem text saying what happened, what to do and where to go.
//   - Digits of the PIN are never drawn: the pad shows ＊ per digit entered (the View
//     holds only the count).
//   - Technician mode (techmode.go): TechTaps taps on the top-left corner of the idle
//     screen within TechWindow send InputTech, only when View.TechEnabled; the corner is
//     header, not a button, so residents lose nothing. The technician's PIN pad shows one
//     ＊ per digit and no length hint.
//
// # Files
//
//	frame.go    the frame of every screen (header, body, footer buttons, countdown) and
//	            screenOf, the one table of which screen each engine state shows
//	choose.go   idle (which says what was left behind and starts nothing then),
//	            municipality, certificate (when an unavailable one opens again) and
//	            options screens
//	card.go     place the card, the PIN pad
//	fee.go      fee confirmation and payment
//	outcome.go  take the card and certificate (and the receipt on offer), problems
//	forms.go    the prefilled forms' screens
//	eapp.go     the e-applications' screens: entry keyboards, review, signing password
//	techmode.go the technician's gesture, PIN pad, menu and bar
//	access.go   the spoken guide's and the keypad's side of the UI
//	display.go  high contrast and やさしい日本語
//	style.go    colours and styles; draw.go the canvas; text.go every text in ja and en
//	terminal.go what the kiosk tells foot (grapheme clustering)
//	ui.go       hit-testing, keys, focus, the countdown clock and Run
//
// Which states wait for the resident (and get a countdown) is the engine's knowledge:
// kiosk.State.WaitsForResident.
//
// Golden files of every screen are in testdata (text, then a style map and legend);
// regenerate with `go test ./screens -update`.
package screens
