package main

import "encoding/json"

// packageSchema is the Pulumi package schema served by GetSchema. Running a
// Node.js program never asks for it (the SDK is already generated), so the
// plugin serves the package identity only.
func packageSchema() []byte {
	b, err := json.Marshal(map[string]string{"name": "tls", "version": version})
	if err != nil {
		panic(err)
	}
	return b
}
