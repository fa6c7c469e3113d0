// Package mount serves every backup of a host as a read-only FUSE
// filesystem, DIR/<subvol>/<snapshot>/..., from the file indexes: listing
// a directory reads indexes only (each backup's tree once, when first
// entered), reading a file reads only the parts that hold its bytes.
package mount
