package export

import (
	"bufio"
	"fmt"
	"io"

	"github.com/owtray/owtray/sync/store"
)

// JSON writes a JSON array of the activities exactly as Strava sent them:
// each element is the stored detailed JSON when it has been fetched, else the
// summary JSON, byte for byte (field names, units, unknown fields and nulls
// unchanged), one per line. Zero activities give "[]".
func JSON(w io.Writer, acts []store.Activity) error {
	docs := make([][]byte, len(acts))
	for i, a := range acts {
		doc, err := stravaJSON(a)
		if err != nil {
			return fmt.Errorf("export JSON: %w", err)
		}
		docs[i] = doc
	}
	bw := bufio.NewWriter(w)
	bw.WriteByte('[')
	for i, doc := range docs {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		bw.Write(doc)
	}
	if len(docs) > 0 {
		bw.WriteByte('\n')
	}
	bw.WriteString("]\n")
	// bufio.Writer keeps the first write error; Flush returns it.
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export JSON: %w", err)
	}
	return nil
}
