// Package voice is the kiosk's spoken guide: what each screen says, the synthesis of
// those words ahead of time, and their playback.
//
// # Concepts
//
//   - The tables (phrases.go) hold every sentence, in Japanese and English (the other
//     languages translate the English through internal/i18n's catalogs; Spoken says which
//     language a screen's language is spoken in: Tagalog in English): one guide per
//     engine state (stateGuides), per problem (problemGuides) and per note (noteGuides),
//     the words of the buttons the keypad focuses, and the sentences with a number. A new
//     state, problem or note needs one entry; a test fails for one without.
//   - Guide(view) is the whole guide of a screen: what is on it and what to do, with the
//     keypad's keys (2 and 8 move, 5 or Enter chooses). Change(prev, cur) is what one step
//     changed: a new screen's guide, "2桁目を入力しました" on the PIN pad, the copies, a
//     note. Focus says the focused button. All three read only a kiosk.View.
//   - An Utterance is parts said one after the other; each part is one clip. A number
//     without bound (the fee) is its own part, so the words around it are the same clips
//     whatever the amount; bounded numbers (digits entered 1–12, tries, copies, the
//     countdown) are whole sentences. Phrases(spec) lists every part for a configuration
//     (its fees, copies and municipalities), which `kiosk voice-cache` synthesizes.
//   - Commands synthesizes: Open JTalk (open_jtalk with the naist-jdic dictionary and the
//     nitech-jp-atr503-m001 voice) for Japanese, espeak-ng for the other languages, and sox
//     brings both to 16-bit mono at 16 kHz with peaks at -3 dBFS. Cache keeps each clip as a
//     WAV file named by the hash of the voice, the language and the text; a part not in the
//     cache is synthesized when first said and kept.
//   - Overrides (override.go) replace table sentences from a file ([voice] phrases): a
//     municipality's corrections without a rebuild; a wrong key, language or a format
//     verb refuses the whole file.
//   - Speaker is what the screens talk to (screens.Voice): every drawn view, the keypad's
//     focus, help, the 音声案内 toggle and the resident's louder/quieter (3 dB steps, at
//     most 3 either way, on top of the technician's volume; samples are scaled in
//     software). A new utterance cuts the one playing; the end of a session puts the
//     voice and the volume back to the configured default.
//   - Aplay plays: one aplay process per utterance, the clips streamed to its standard
//     input (why aplay: player.go).
//
// # Invariants
//
//   - Nothing said is a PIN digit, a name or an address: the guide is built from the
//     tables and the View's counts and fees only; a PIN pad says how many digits there
//     are, and a focused digit key says "数字キー", never its digit (tested over every
//     screen and problem, and in a keypad walk-up in package screens).
//   - Text reaches the synthesizers on standard input, never as an argument.
//   - Show, Focus and the rest never block the UI on sound or synthesis.
//
// The doubles of the tests (a recording player, a tone source) are in voicetest.
package voice
