// Oracle: decodes annotation values with Go's encoding/json into structs shaped like the
// AWS Load Balancer Controller's annotation types and prints, per input line {kind, raw},
// either {error} or {value} (the decoded struct re-encoded, nil as null).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"oracle/ingress"
)

type in struct {
	Kind string `json:"kind"`
	Raw  string `json:"raw"`
}
type out struct {
	Error *string         `json:"error,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for sc.Scan() {
		var req in
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		var target interface{}
		if req.Kind == "action" {
			target = &ingress.Action{}
		} else {
			var c []ingress.RuleCondition
			target = &c
		}
		var o out
		if err := json.Unmarshal([]byte(req.Raw), target); err != nil {
			s := err.Error()
			o.Error = &s
		} else {
			b, _ := json.Marshal(target)
			o.Value = b
		}
		enc.Encode(o)
	}
}
