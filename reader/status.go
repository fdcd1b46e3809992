package reader

import "fmt"

// StatusWord is SW1 SW2 of a response APDU.
type StatusWord uint16

// Status words the JPKI card and its clients use (ISO/IEC 7816-4 meanings).
const (
	SWOK                     StatusWord = 0x9000
	SWWrongLength            StatusWord = 0x6700
	SWSecurityNotSatisfied   StatusWord = 0x6982
	SWAuthBlocked            StatusWord = 0x6983
	SWPINBlocked             StatusWord = 0x6984 // reference data not usable (the JPKI card's "blocked")
	SWConditionsNotSatisfied StatusWord = 0x6985
	SWCommandNotAllowed      StatusWord = 0x6986
	SWFileIncompatible       StatusWord = 0x6981
	SWWrongData              StatusWord = 0x6A80
	SWFuncNotSupported       StatusWord = 0x6A81
	SWFileNotFound           StatusWord = 0x6A82
	SWIncorrectP1P2          StatusWord = 0x6A86
	SWRefDataNotFound        StatusWord = 0x6A88
	SWWrongP1P2              StatusWord = 0x6B00
	SWINSNotSupported        StatusWord = 0x6D00
	SWCLANotSupported        StatusWord = 0x6E00
	SWNoPreciseDiagnosis     StatusWord = 0x6F00
	SWMemoryFailure          StatusWord = 0x6581
	SWEndOfFile              StatusWord = 0x6282
)

var swNames = map[StatusWord]string{
	SWOK:                     "success",
	SWWrongLength:            "wrong length",
	SWSecurityNotSatisfied:   "security status not satisfied",
	SWAuthBlocked:            "authentication method blocked",
	SWPINBlocked:             "reference data not usable (PIN blocked)",
	SWConditionsNotSatisfied: "conditions of use not satisfied",
	SWCommandNotAllowed:      "command not allowed (no current EF)",
	SWFileIncompatible:       "command incompatible with file structure",
	SWWrongData:              "incorrect data field",
	SWFuncNotSupported:       "function not supported",
	SWFileNotFound:           "file or application not found",
	SWIncorrectP1P2:          "incorrect P1 P2",
	SWRefDataNotFound:        "referenced data not found",
	SWWrongP1P2:              "wrong parameters P1 P2 (offset beyond file)",
	SWINSNotSupported:        "instruction not supported",
	SWCLANotSupported:        "class not supported",
	SWNoPreciseDiagnosis:     "no precise diagnosis",
	SWMemoryFailure:          "memory failure",
	SWEndOfFile:              "end of file reached before Le bytes",
}

// SW1 and SW2 return the two bytes.
func (sw StatusWord) SW1() byte { return byte(sw >> 8) }
func (sw StatusWord) SW2() byte { return byte(sw) }

// OK reports 90 00.
func (sw StatusWord) OK() bool { return sw == SWOK }

// Tries decodes 63 Cx, the counter answer of VERIFY: x tries are left.
func (sw StatusWord) Tries() (int, bool) {
	if sw&0xFFF0 == 0x63C0 {
		return int(sw & 0x0F), true
	}
	return 0, false
}

// String names the status word, e.g. "6A82 file or application not found".
func (sw StatusWord) String() string {
	if n, ok := sw.Tries(); ok {
		return fmt.Sprintf("%04X verification failed, %d tries left", uint16(sw), n)
	}
	if name, ok := swNames[sw]; ok {
		return fmt.Sprintf("%04X %s", uint16(sw), name)
	}
	switch sw.SW1() {
	case 0x61:
		return fmt.Sprintf("%04X %d more bytes available", uint16(sw), sw.SW2())
	case 0x6C:
		return fmt.Sprintf("%04X wrong Le, exact length is %d", uint16(sw), sw.SW2())
	}
	return fmt.Sprintf("%04X unknown status", uint16(sw))
}

// Error makes a non-success status word usable as an error value.
func (sw StatusWord) Error() string { return "reader: card answered " + sw.String() }
