package offline

import (
	"fmt"
	"time"
)

// Defaults applied by Options for every zero-valued field.
const (
	DefaultMaxPending       = 5000               // undelivered messages (pending + parked)
	DefaultMaxPendingAge    = 7 * 24 * time.Hour // age of the oldest undelivered message
	DefaultMaxPendingBytes  = 8 << 20            // payload bytes of undelivered messages
	DefaultMaxDBBytes       = 256 << 20          // database size limit (PRAGMA max_page_count)
	DefaultReserveBytes     = 1 << 20            // headroom a new session needs below MaxDBBytes
	DefaultMinFreeDiskBytes = 16 << 20           // free space the data partition must keep
	DefaultRetention        = 30 * 24 * time.Hour
	DefaultPruneEvery       = time.Hour
	DefaultBatchSize        = 100
	DefaultBackoffBase      = time.Second
	DefaultBackoffMax       = 5 * time.Minute
	DefaultSendTimeout      = 30 * time.Second
	DefaultBusyTimeout      = 5 * time.Second
	DefaultQuarantineSeqGap = 1000

	// DefaultParkedApplicationRetention: how long an application the center refused
	// keeps the resident's data at the kiosk for a technician's retry.
	DefaultParkedApplicationRetention = 72 * time.Hour
)

// Options tunes a Store. The zero value of every field means its Default… constant;
// negative values are rejected by Open. The config package maps the TOML [offline]
// table onto this struct.
type Options struct {
	// Caps on what is waiting for the center. At a cap CanStartSession returns
	// ErrQueueFull and the kiosk goes out of service until the backlog drains.
	MaxPending      int           // count of undelivered (pending + parked) messages
	MaxPendingAge   time.Duration // age of the oldest undelivered message (wall time; see doc.go)
	MaxPendingBytes int64         // sum of undelivered payload sizes

	// Disk. MaxDBBytes becomes PRAGMA max_page_count on every connection; a session is
	// started only while ReserveBytes remain below it and MinFreeDiskBytes remain free on
	// the file system holding the database, so that running sessions can always finish.
	MaxDBBytes       int64
	ReserveBytes     int64
	MinFreeDiskBytes int64

	// Retention: delivered messages and closed sessions older than this are deleted,
	// checked at most every PruneEvery by the sync worker.
	Retention  time.Duration
	PruneEvery time.Duration

	// ParkedApplicationRetention: an application the center refused (parked) holds the
	// resident's signing certificate and what was typed; after this long in the park it is
	// discarded (DiscardApplication, why DiscardByRetention), checked with the prune. A
	// technician can discard it sooner (`kiosk queue discard`) or put it back (Requeue).
	ParkedApplicationRetention time.Duration

	// Sync worker.
	BatchSize   int           // messages per upload
	BackoffBase time.Duration // first retry delay after a failed upload
	BackoffMax  time.Duration // retry delay ceiling
	SendTimeout time.Duration // deadline of one upload

	BusyTimeout time.Duration // SQLite busy_timeout (other processes such as `kiosk queue`)

	// QuarantineSeqGap is added to the last sequence number salvaged from a corrupt
	// database when a fresh one is started, so the center sees a deliberate gap.
	QuarantineSeqGap int64

	// Clock supplies time; nil means the system clock.
	Clock Clock
	// ClockFloor is the earliest real time (zero: none). A wall-clock reading before it
	// means the clock is not set yet (a board without a real-time clock before NTP): the
	// store then prunes nothing, and a message stamped before it has no known age, so it
	// does not trip the age cap when the clock jumps forward at NTP sync.
	ClockFloor time.Time

	// CrashHook, when set, is called at the named crash points (see CrashPoint…
	// constants). Tests use it to kill the process at an exact moment; production
	// leaves it nil.
	CrashHook func(point string)
}

func (o Options) withDefaults() (Options, error) {
	type chk struct {
		name string
		neg  bool
	}
	checks := []chk{
		{"MaxPending", o.MaxPending < 0}, {"MaxPendingAge", o.MaxPendingAge < 0},
		{"MaxPendingBytes", o.MaxPendingBytes < 0}, {"MaxDBBytes", o.MaxDBBytes < 0},
		{"ReserveBytes", o.ReserveBytes < 0}, {"MinFreeDiskBytes", o.MinFreeDiskBytes < 0},
		{"Retention", o.Retention < 0}, {"PruneEvery", o.PruneEvery < 0},
		{"ParkedApplicationRetention", o.ParkedApplicationRetention < 0},
		{"BatchSize", o.BatchSize < 0}, {"BackoffBase", o.BackoffBase < 0},
		{"BackoffMax", o.BackoffMax < 0}, {"SendTimeout", o.SendTimeout < 0},
		{"BusyTimeout", o.BusyTimeout < 0}, {"QuarantineSeqGap", o.QuarantineSeqGap < 0},
	}
	for _, c := range checks {
		if c.neg {
			return o, fmt.Errorf("offline: option %s is negative", c.name)
		}
	}
	def := func(v *int64, d int64) {
		if *v == 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if o.MaxPending == 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	defD(&o.MaxPendingAge, DefaultMaxPendingAge)
	def(&o.MaxPendingBytes, DefaultMaxPendingBytes)
	def(&o.MaxDBBytes, DefaultMaxDBBytes)
	def(&o.ReserveBytes, DefaultReserveBytes)
	def(&o.MinFreeDiskBytes, DefaultMinFreeDiskBytes)
	defD(&o.Retention, DefaultRetention)
	defD(&o.PruneEvery, DefaultPruneEvery)
	defD(&o.ParkedApplicationRetention, DefaultParkedApplicationRetention)
	defD(&o.BackoffBase, DefaultBackoffBase)
	defD(&o.BackoffMax, DefaultBackoffMax)
	defD(&o.SendTimeout, DefaultSendTimeout)
	defD(&o.BusyTimeout, DefaultBusyTimeout)
	def(&o.QuarantineSeqGap, DefaultQuarantineSeqGap)
	if o.BackoffMax < o.BackoffBase {
		return o, fmt.Errorf("offline: BackoffMax %v is below BackoffBase %v", o.BackoffMax, o.BackoffBase)
	}
	if o.ReserveBytes >= o.MaxDBBytes {
		return o, fmt.Errorf("offline: ReserveBytes %d must be below MaxDBBytes %d", o.ReserveBytes, o.MaxDBBytes)
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	return o, nil
}

// Clock is the wall-time source. Now readings from the system clock carry Go's monotonic
// reading; wall time is only stored as information and for the age cap and retention.
// Waits (backoff, the prune interval) use the time package's timers, never the Clock, so
// a clock step cannot shorten or stretch them, and tests of them run under
// testing/synctest or with real, short timers.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }
