// SPDX-License-Identifier: Apache-2.0
// Reference for go-semver-differential.sh: reads "A B" lines and prints
// golang.org/x/mod/semver's order ("<", "=", ">") or "error" when either
// is not valid.  A version without a leading 'v' gets one, as OSV's Go
// records (and Go's stdlib versions) are written without it.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func withV(v string) string {
	if strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		f := strings.Split(in.Text(), " ")
		if len(f) != 2 {
			fmt.Fprintln(out, "error")
			continue
		}
		a, b := withV(f[0]), withV(f[1])
		if !semver.IsValid(a) || !semver.IsValid(b) {
			fmt.Fprintln(out, "error")
			continue
		}
		fmt.Fprintln(out, [...]string{"<", "=", ">"}[semver.Compare(a, b)+1])
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
