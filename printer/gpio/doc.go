// Package gpio drives the kiosk's printer-side sensors and indicators through
// periph.io: a paper-low (near-end) sensor, the cabinet door switch, an optional
// paper-present sensor in the output tray, the card-slot LED and a buzzer for "take
// your card". The engine's reminders of things left behind (kiosk.Indicator) sound
// TakeCardReminder; WatchTray reports the tray to the engine (kiosk.Engine.PaperInTray).
//
// # Concepts
//
// A Panel is built from periph gpio.PinIn / gpio.PinOut values, so tests pass
// gpiotest pins and the appliance passes pins from gpioreg (OpenHost does
// host.Init and the lookups by name from the config). Any pin may be nil: that
// part is not wired. Inputs are configured with a pull-up and both-edge detection;
// by default the paper-low sensor, the door switch and the tray sensor are active-low
// (a closed contact pulls the line to ground: paper present = High, door closed =
// Low, a sheet in the tray = Low; PaperTrayHigh inverts the tray).
// Diagnose is the GPIO section of `kiosk diag`: it reads the inputs only, never the
// outputs the running kiosk may be driving.
//
// # Invariants
//
//   - Close (and the end of every reminder) leaves the LED and the buzzer off.
//   - Reading a sensor never blocks; waiting for the door takes a context.
package gpio
