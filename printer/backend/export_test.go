package backend

// CheckFonts is checkFonts, for the tests.
var CheckFonts = checkFonts
