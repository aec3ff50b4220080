"""Growing the graph from new articles: read an article (plain text or a saved web page), find
what it mentions and states, resolve the mentions to the graph's entities, and write a draft
record with a verbatim quote per fact for a curator to review before `kg publish`.

- `source`: an article file to text and metadata, its page furniture marked (never evidence);
- `mentions`: the names it mentions, resolved to known entities or proposed as new ones;
- `draft`: the draft record (the records' YAML format, plus what the review needs).

Every pattern, word list and threshold is data (the `patterns` package) or a named constant.
"""
