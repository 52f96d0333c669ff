package autostart

import (
	"bufio"
	"bytes"
	"strings"
)

// desktopFileName is the XDG autostart entry's name; the installed
// application entry has the app ID as its name.
const desktopFileName = "owtray.desktop"

// desktopEntry is the XDG autostart entry starting exe in the tray.
func desktopEntry(exe string) []byte {
	var b strings.Builder
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=owtray\n")
	b.WriteString("Comment=Keeps your Strava activities on your own computer (starts in the tray)\n")
	b.WriteString("Exec=" + desktopExec(exe, HiddenFlag) + "\n")
	b.WriteString("Icon=io.github.owtray.owtray\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return []byte(b.String())
}

// desktopExec writes an Exec value as the Desktop Entry Specification
// wants it: an argument with a reserved character is quoted, and inside
// the quotes `"`, '`', '$' and '\' are backslash-escaped; '%' is doubled;
// then the value as a whole escapes '\' once more (it is a string value).
func desktopExec(args ...string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, "%", "%%")
		if strings.ContainsAny(a, " \t\n\"'\\><~|&;$*?#()`") {
			var q strings.Builder
			q.WriteByte('"')
			for _, r := range a {
				if strings.ContainsRune("\"`$\\", r) {
					q.WriteByte('\\')
				}
				q.WriteRune(r)
			}
			q.WriteByte('"')
			a = q.String()
		}
		quoted[i] = strings.ReplaceAll(a, `\`, `\\`)
	}
	return strings.Join(quoted, " ")
}

// desktopEntryCommand reads an entry's Exec line (as written) and whether
// it is active: desktop environments skip entries with Hidden=true or
// X-GNOME-Autostart-enabled=false.
func desktopEntryCommand(content []byte) (string, bool) {
	var exec string
	enabled, inEntry := true, false
	sc := bufio.NewScanner(bytes.NewReader(content))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			inEntry = line == "[Desktop Entry]"
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !inEntry || !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "Exec":
			exec = strings.TrimSpace(value)
		case "Hidden":
			enabled = enabled && strings.TrimSpace(value) != "true"
		case "X-GNOME-Autostart-enabled":
			enabled = enabled && strings.TrimSpace(value) != "false"
		}
	}
	return exec, enabled && exec != ""
}
