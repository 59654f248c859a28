-- Failed logins per user and client address, across sensors and inputs: how many, against how
-- many servers, seen by which sensors, first and last time.
SELECT
    user,
    client_ip,
    count() AS failures,
    uniqExact(server_ip, server_port) AS servers,
    arraySort(groupUniqArray(sensor)) AS sensors,
    min(timestamp) AS first_seen,
    max(timestamp) AS last_seen
FROM mailwire.logins
WHERE outcome = 'failure'
GROUP BY user, client_ip
ORDER BY failures DESC, user, client_ip
