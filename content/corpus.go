package content

import "embed"

// Corpus is the shipped corpus, embedded in the binary: corpus/van-ban/*.txt
// (full texts, read by Parse), corpus/catalogue.yaml (facts of the cited
// texts) and corpus/bai-viet/*.md (articles). Pass it to Load as it is.
//
//go:embed corpus
var Corpus embed.FS
