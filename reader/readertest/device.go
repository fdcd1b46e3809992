package readertest

import (
	"madoguchi/reader"
)

// The devices the virtual card can be (Options.Device), and what each does differently
// from the plastic card. What is fact and what is ASSUMED:
//
//   - Android phone (reader.DeviceAndroid): token JPKIAPGPSETOKEN (fact: jpki/myna); the
//     authentication certificate EF 000A answers 69 82 until the phone's own 4-digit PIN
//     was verified (fact: jpki/myna verifies the PIN before reading it; issue #6); no
//     券面事項入力補助AP, 券面AP or 住基AP (fact: only the electronic certificates are put
//     on the phone), so their SELECT answers 6A 82. ASSUMED: the same EF numbers, PIN
//     tries (3 and 5) and status words as the card.
//   - iPhone (reader.DeviceIPhone): the resident authorises it with Face ID or Touch ID
//     on the phone and types no PIN at the terminal (fact: public reports of the service
//     since 24 June 2025). Everything about its answers is ASSUMED: token JPKIAPIOSTOKEN
//     (one unconfirmed source); the JPKI EFs of the card without PIN files (SELECT of
//     0018 or 001B answers 6A 82); the authentication certificate and key answer 69 82
//     until the phone is authorised (PhoneApproved or Approve), which a reset does not
//     undo; no other AP.
//   - 顔認証マイナンバーカード (Options.NoPIN): no PIN was set and there is no signature
//     certificate (facts: municipal pages); it is the plastic card otherwise. ASSUMED:
//     VERIFY on the authentication PIN, empty or not, answers NoPINSW (6A 88 by default)
//     and spends nothing; the signature certificate, key and PIN EFs are absent (6A 82).

// ATRPhone is the ATR a PC/SC contactless reader builds for an ISO 14443-4 device with no
// historical bytes (PC/SC part 3): what a phone in card emulation may show. The real one
// depends on the reader and the phone; nothing gates on it.
var ATRPhone = mustHex("3B8080010101")

// pinPhoneApproval stands, in an EF's read or key condition, for an iPhone's Face ID
// authorisation. It is outside the PIN counters.
const pinPhoneApproval = numPINs

func defaultToken(d reader.Device) string {
	switch d {
	case reader.DeviceAndroid:
		return reader.TokenSmartphone
	case reader.DeviceIPhone:
		return reader.TokenIPhone
	}
	return reader.TokenMyNumberCard
}

// shape turns the card's files into those of its device.
func (c *Card) shape() {
	jpki := c.files[apJPKI]
	switch {
	case c.opts.Device == reader.DeviceAndroid:
		jpki[reader.FIDAuthCert].read = []PINRef{PINAuth}
		c.phoneOnly()
	case c.opts.Device == reader.DeviceIPhone:
		jpki[reader.FIDAuthCert].read = []PINRef{pinPhoneApproval}
		jpki[reader.FIDAuthKey].pin = pinPhoneApproval
		delete(jpki, reader.FIDAuthPIN)
		delete(jpki, reader.FIDSignPIN)
		delete(jpki, reader.FIDSignKey)
		delete(jpki, reader.FIDSignCert)
		c.phoneOnly()
	case c.opts.NoPIN:
		delete(jpki, reader.FIDSignCert)
		delete(jpki, reader.FIDSignKey)
		delete(jpki, reader.FIDSignPIN)
	}
}

// phoneOnly drops the card-only applications.
func (c *Card) phoneOnly() {
	delete(c.files, apText)
	delete(c.files, apVisual)
	delete(c.files, apJuki)
}

func (c *Card) noPINSW() reader.StatusWord {
	if c.opts.NoPINSW != 0 {
		return c.opts.NoPINSW
	}
	return reader.SWRefDataNotFound
}

// Device is what the virtual card is.
func (c *Card) Device() reader.Device {
	if c.opts.Device == reader.DeviceNone {
		return reader.DeviceCard
	}
	return c.opts.Device
}

// Approve is the resident authorising an iPhone with Face ID before holding it to the
// reader; Unapprove undoes it (the authorisation timed out).
func (c *Card) Approve()   { c.setApproved(true) }
func (c *Card) Unapprove() { c.setApproved(false) }

func (c *Card) setApproved(a bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.approved = a
}
