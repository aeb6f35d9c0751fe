"""The trainers' live browser app (``gvi app``): a Solara page showing one city run day by
day with a policy and, in lockstep, with business as usual; see docs/app.md."""
