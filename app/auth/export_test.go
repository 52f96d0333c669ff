package auth

// PendingStates is the number of login attempts f keeps (for tests).
func PendingStates(f *Flow) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.order) != len(f.pending) {
		panic("auth: pending states and their order disagree")
	}
	return len(f.pending)
}

// Waiters is the number of Wait calls in progress for state (for tests).
func Waiters(f *Flow, state string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.pending[state]; ok {
		return a.waiters
	}
	return 0
}
