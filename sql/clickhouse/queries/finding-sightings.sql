-- First and last sighting of each finding, with how often, in how many conversations, by which sensors.
SELECT
    rule_id,
    level,
    count() AS sightings,
    uniqExact(uid) AS conversations,
    arraySort(groupUniqArray(sensor)) AS sensors,
    min(timestamp) AS first_seen,
    max(timestamp) AS last_seen
FROM mailwire.findings
GROUP BY rule_id, level
ORDER BY last_seen DESC, rule_id
