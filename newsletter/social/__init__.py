"""Social posts (issue 10): from an issue's included items, ready-to-post copy per network.

    compose.py   pure: posts from an issue's items and templates/social/<network>.j2
    x.py bluesky.py mastodon.py linkedin.py facebook.py   pure: count, shorten, format
    networks.py  the registry of those modules;  text.py: links, hashtags, graphemes, cut
    schedule.py  pure: planned times from the rules in feeds.yaml
    stage.py     draft / list / edit / approve over the database (CLI, web and scheduler)
    export.py    Buffer and Hootsuite CSV, JSON; atomic writes
    publish/     one publisher per network behind one Protocol, recorded like the outbox
"""
