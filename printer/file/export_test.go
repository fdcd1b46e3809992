package file

// LayoutPDF exports the test fixture helper to the external tests.
var LayoutPDF = layoutPDF
