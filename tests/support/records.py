"""A small valid record of one seed article, for tests that break it one way at a time."""

VALID = """\
article:
  slug: test-article
  file: 000_6a728bf7d395fcc2.txt
  url: https://example.org/test
  title: Test
  published: ~
  publisher: organization/dknews
  author: ~
entities:
  - id: organization/dknews
    type: NewsOutlet
    label: DKnews International News Agency
    quote: DKnews.kz reports
  - id: organization/nac
    type: ThinkTank
    label: National Analytical Center
    alt: [NAC]
    quote: The National Analytical Center (NAC)
    facts:
      - kgo:basedAt: organization/nu
        quote: Nazarbayev University-based policy think tank
  - id: organization/nu
    type: University
    label: Nazarbayev University
    quote: Nazarbayev University is making a sustained and substantial contribution
  - id: event/series
    type: EventSeries
    label: A series of events
    quote: a series of three events have been held
    facts:
      - schema:startDate: 2025-06-09
        quote: Between 9 and 11 June 2025
"""
