package memtrim

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// StatusKB reads one kB figure, such as "VmRSS:" or "VmHWM:", from a Linux
// /proc/PID/status file ("/proc/self/status" for this process).
func StatusKB(path, field string) (int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				return 0, fmt.Errorf("%s in %s: %w", field, path, err)
			}
			return kb, nil
		}
	}
	return 0, fmt.Errorf("no %s in %s", field, path)
}
