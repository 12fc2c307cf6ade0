//go:build unix

package app

import "syscall"

// restrictUmask keeps the group and others out of every file and
// directory the process makes from now on.
func restrictUmask() {
	old := syscall.Umask(0o077)
	syscall.Umask(old | 0o077)
}
