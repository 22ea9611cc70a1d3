"""Apache Spark as an engine for eligex (the optional extra ``eligex[spark]``): a local or cluster
session (:mod:`.session`), the ``eligex extract --engine spark`` runner (:mod:`.engine`) and the
DataFrame API for notebooks (:mod:`.dataframe`). The work itself is
:func:`pipeline.extraction.partition.extract_partition`, run in every Spark worker."""
