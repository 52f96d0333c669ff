package ui

// Figures are the overview's numbers of an activity as Strava sent them;
// nil is a field Strava did not send (shown as nothing, never as 0).
type Figures struct {
	AverageSpeed, MaxSpeed             *float64 // m/s
	ElevHigh, ElevLow                  *float64 // metres
	AverageHeartrate, MaxHeartrate     *float64 // beats per minute
	AverageCadence                     *float64 // rpm (running: strides per minute)
	AverageWatts, WeightedAverageWatts *float64
	MaxWatts                           *float64
	Kilojoules                         *float64
	Calories                           *float64 // kilocalories
	AverageTemp                        *float64 // °C
	KudosCount, CommentCount           *int
	AchievementCount, PRCount          *int
}

// Split is one kilometre (splits_metric) or mile (splits_standard).
type Split struct {
	Split               int     // 1-based, as Strava numbers them
	Distance            float64 // metres
	MovingTime          int     // seconds
	ElapsedTime         int     // seconds
	ElevationDifference float64 // metres
	AverageSpeed        float64 // m/s
	AverageHeartrate    *float64
}

// Streams are an activity's recorded samples, index-aligned: sample i of
// every stream is the same moment. A stream Strava did not send is nil.
type Streams struct {
	Time      []float64 // seconds since the start
	Distance  []float64 // metres from the start
	Altitude  []float64 // metres
	Velocity  []float64 // velocity_smooth, m/s
	Heartrate []float64 // beats per minute
	Cadence   []float64 // rpm (running: strides per minute)
	Watts     []float64 // NaN where Strava sent no power reading
	LatLng    [][2]float64
	// Problem says which of Strava's streams could not be used; "" when all could.
	Problem string
}

// Len is the number of samples.
func (s Streams) Len() int {
	return max(len(s.Time), len(s.Distance), len(s.Altitude), len(s.Velocity), len(s.Heartrate),
		len(s.Cadence), len(s.Watts), len(s.LatLng))
}
