"""The park's support policies (惠企政策) and matching them to the enterprises that qualify
(政策找企业): the policy library, the enterprises' attributes the conditions read (industry,
size class, qualifications, registration date), the matches with their notified / applied /
granted marks, and applying (a ticket on the policy's service item).

Above tickets (applying files a ticket); tickets know nothing of this package."""
