"""Set-based jobs of dataquality: name normalisation, duplicate finding, list matching, quality figures."""
