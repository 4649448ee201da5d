package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Bookkeeping that differs between any live object and its prediction and that no tool
// reports as a difference; leaving it out keeps the reported pointers to what matters.
var ignoredPointers = map[string]bool{
	"/metadata/managedFields":   true,
	"/metadata/resourceVersion": true,
	"/metadata/generation":      true,
}

// differingPaths returns the JSON pointers (RFC 6901) of the leaves where two JSON
// documents differ, sorted. "null" stands for an absent object (create or delete). The
// documents are the harness's own small manifests, so the walk's depth is theirs.
func differingPaths(before, after []byte) ([]string, error) {
	var left, right any
	if err := json.Unmarshal(before, &left); err != nil {
		return nil, fmt.Errorf("decoding the live state: %w", err)
	}
	if err := json.Unmarshal(after, &right); err != nil {
		return nil, fmt.Errorf("decoding the predicted state: %w", err)
	}
	paths := []string{}
	collectDifferences("", left, right, &paths)
	sort.Strings(paths)
	return paths, nil
}

func collectDifferences(pointer string, left, right any, paths *[]string) {
	if ignoredPointers[pointer] {
		return
	}
	leftMap, leftIsMap := left.(map[string]any)
	rightMap, rightIsMap := right.(map[string]any)
	if leftIsMap && rightIsMap {
		keys := map[string]bool{}
		for key := range leftMap {
			keys[key] = true
		}
		for key := range rightMap {
			keys[key] = true
		}
		for key := range keys {
			collectDifferences(pointer+"/"+escapePointer(key), leftMap[key], rightMap[key], paths)
		}
		return
	}
	leftList, leftIsList := left.([]any)
	rightList, rightIsList := right.([]any)
	if leftIsList && rightIsList && len(leftList) == len(rightList) {
		for i := range leftList {
			collectDifferences(fmt.Sprintf("%s/%d", pointer, i), leftList[i], rightList[i], paths)
		}
		return
	}
	leftJSON, _ := json.Marshal(left)
	rightJSON, _ := json.Marshal(right)
	if string(leftJSON) != string(rightJSON) {
		if pointer == "" {
			pointer = "/"
		}
		*paths = append(*paths, pointer)
	}
}

func escapePointer(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

func isNotFound(err error) bool {
	return apierrors.IsNotFound(err)
}
