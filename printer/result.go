package printer

// Result is what a back end reports for a job that printed.
type Result struct {
	Pages int   // pages printed
	Bytes int64 // bytes sent to the device (PDF size for IPP)
}
