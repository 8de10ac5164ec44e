export default async function Order({ params }) {
  const { id } = await params;
  return (
    <>
      <h1>Thank you!</h1>
      <p>Your order <b id="order-id">{id}</b> is confirmed.</p>
    </>
  );
}
