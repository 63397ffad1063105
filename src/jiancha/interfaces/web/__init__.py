"""Pages for people (issue 7): the supervisor console, the department workbench, the big screen and
the public portal. Each is a page shell with plain scripts that speak the JSON API; every script,
style and font is served from here — government networks are closed to the internet."""
