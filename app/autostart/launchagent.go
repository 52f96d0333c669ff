package autostart

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// launchAgentLabel is the LaunchAgent's label: the app ID of FyneApp.toml.
const launchAgentLabel = "io.github.owtray.owtray"

// launchAgent is the LaunchAgent plist that starts exe at login.
func launchAgent(exe string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + launchAgentLabel + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>`)
	_ = xml.EscapeText(&b, []byte(exe)) // writing to a bytes.Buffer cannot fail
	b.WriteString(`</string>
		<string>` + HiddenFlag + `</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
`)
	return b.Bytes()
}

// launchAgentCommand reads the ProgramArguments back; a plist launchd
// would skip (Disabled true) is not enabled.
func launchAgentCommand(content []byte) (string, bool) {
	var p struct {
		Dict struct {
			Items []struct {
				XMLName xml.Name
				Value   string   `xml:",chardata"`
				Strings []string `xml:"string"`
			} `xml:",any"`
		} `xml:"dict"`
	}
	if err := xml.Unmarshal(content, &p); err != nil {
		return "", false
	}
	var args []string
	disabled := false
	items := p.Dict.Items
	for i := 0; i+1 < len(items); i++ {
		if items[i].XMLName.Local != "key" {
			continue
		}
		switch strings.TrimSpace(items[i].Value) {
		case "ProgramArguments":
			args = items[i+1].Strings
		case "Disabled":
			disabled = items[i+1].XMLName.Local == "true"
		}
	}
	if len(args) == 0 || disabled {
		return "", false
	}
	if len(args) == 2 && args[1] == HiddenFlag {
		return commandLine(args[0]), true
	}
	return strings.Join(args, " "), true
}
