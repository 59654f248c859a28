-- Servers whose certificate changed: a server is its address and the name clients ask for (SNI);
-- its ports are listed (IMAPS and POP3S on one host normally share a certificate). For each: how
-- many different leaf certificates (SHA-256), the first and the latest, and when each was seen.
SELECT
    server_ip,
    tls_server_name,
    arraySort(groupUniqArray(server_port)) AS ports,
    uniqExact(cert_sha256) AS certificates,
    argMin(cert_sha256, (timestamp, timestamp_us)) AS first_certificate,
    min(timestamp) AS first_seen,
    argMax(cert_sha256, (timestamp, timestamp_us)) AS latest_certificate,
    max(timestamp) AS last_seen,
    arraySort(groupUniqArray(sensor)) AS sensors
FROM mailwire.conversations
WHERE cert_sha256 != ''
GROUP BY server_ip, tls_server_name
HAVING certificates > 1
ORDER BY server_ip, tls_server_name
