"""Fast searching of many regular expressions in one text, with the same results as `re`.

Not classification itself: the tools the wording tables and the MTA parsers search with.
`literals` derives from a pattern the plain strings one of which its every match contains;
`screen` uses them to skip searches that cannot match (`ScreenedPattern`) and to search an
ordered table of patterns after one scan of the text (`ScreenedTable`).
"""
