"""Language resources for the pure detector: jieba segmentation and the cue lexicon files."""
