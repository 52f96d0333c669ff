package desktop

// For the window tests (package desktop_test).
const (
	StartupProbeLine   = startupProbeLine
	FrameProbeLine     = frameProbeLine
	MemoryTrimInterval = memoryTrimInterval
)
