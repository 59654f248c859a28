-- Clients that still log in in cleartext: the password or token crossed the wire unencrypted
-- (LOGIN, USER/PASS, AUTH PLAIN/LOGIN before STARTTLS or without TLS). Most recent first.
SELECT
    client_ip,
    user,
    server_ip,
    server_port,
    protocol,
    method,
    count() AS logins,
    countIf(outcome = 'success') AS succeeded,
    arraySort(groupUniqArray(sensor)) AS sensors,
    min(timestamp) AS first_seen,
    max(timestamp) AS last_seen
FROM mailwire.logins
WHERE secret_exposed = 1
GROUP BY client_ip, user, server_ip, server_port, protocol, method
ORDER BY last_seen DESC, client_ip, user, server_ip, server_port, method
